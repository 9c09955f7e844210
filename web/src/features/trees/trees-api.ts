import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  CategoryList,
  CreateTreeBody,
  ImportReport,
  ImportTreesBody,
  SearchResults,
  TreeComparison,
  TreeList,
  TreeResponse,
  TreeStatus,
  TreeVersionList,
  UpdateTreeBody,
} from '@flowpilot/contracts';
import { api } from '../../lib/api.ts';
import { downloadFile } from '../../lib/download.ts';

export interface LibraryFilters {
  category?: string | null;
  status?: TreeStatus | null;
  tag?: string | null;
}

/** Trees per page in the library. */
export const PAGE_SIZE = 30;

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : '';
}

export const treeKeys = {
  all: ['trees'] as const,
  list: (f: LibraryFilters) => ['trees', 'list', f] as const,
  search: (q: string, f: LibraryFilters) => ['trees', 'search', q, f] as const,
  categories: ['trees', 'categories'] as const,
  detail: (id: string, version?: number) => ['trees', 'detail', id, version ?? 'latest'] as const,
  versions: (id: string) => ['trees', 'versions', id] as const,
  compare: (id: string, from: number, to: number) => ['trees', 'compare', id, from, to] as const,
};

export const useTreeList = (filters: LibraryFilters, page = 1, limit = PAGE_SIZE) =>
  useQuery({
    queryKey: [...treeKeys.list(filters), page, limit],
    queryFn: () => api.get<TreeList>(`/trees${query({ ...filters, limit, offset: (page - 1) * limit })}`),
    placeholderData: keepPreviousData,
  });

export const useTreeSearch = (q: string, filters: LibraryFilters, page = 1) =>
  useQuery({
    queryKey: [...treeKeys.search(q, filters), page],
    queryFn: () => api.get<SearchResults>(`/trees/search${query({ q, ...filters, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE })}`),
    enabled: q.trim().length > 0,
    placeholderData: keepPreviousData,
  });

export const useCategories = () =>
  useQuery({ queryKey: treeKeys.categories, queryFn: () => api.get<CategoryList>('/trees/categories') });

export const useTree = (id: string | undefined, version?: number) =>
  useQuery({
    queryKey: treeKeys.detail(id ?? '', version),
    queryFn: () => api.get<TreeResponse>(`/trees/${id}${query({ version })}`),
    enabled: Boolean(id),
  });

/** Reads the newest version of a tree now, whatever the cache holds (the editor's "load the newest"). */
export function useFetchNewestTree(id: string) {
  const qc = useQueryClient();
  return () => qc.fetchQuery({ queryKey: treeKeys.detail(id), queryFn: () => api.get<TreeResponse>(`/trees/${id}`), staleTime: 0 });
}

export const useTreeVersions = (id: string) =>
  useQuery({ queryKey: treeKeys.versions(id), queryFn: () => api.get<TreeVersionList>(`/trees/${id}/versions?limit=100`) });

/** What changed from version `from` to version `to` (node ids added, removed, changed; tree fields changed). */
export const useTreeCompare = (id: string, from: number, to: number, enabled = true) =>
  useQuery({
    queryKey: treeKeys.compare(id, from, to),
    queryFn: () => api.get<TreeComparison>(`/trees/${id}/compare${query({ from, to })}`),
    enabled,
  });

/**
 * Called with a version this client saved, as soon as the server answers and
 * before the tree's queries refetch: the editor must know the new version is
 * its own before a refetch shows it.
 */
export type OnSaved = (tree: TreeResponse) => void;

function useInvalidateTrees() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: treeKeys.all });
}

export function useCreateTree() {
  const invalidate = useInvalidateTrees();
  return useMutation({ mutationFn: (body: CreateTreeBody) => api.post<TreeResponse>('/trees', body), onSuccess: invalidate });
}

export function useUpdateTree(id: string, onSaved?: OnSaved) {
  const invalidate = useInvalidateTrees();
  return useMutation({
    mutationFn: async (body: UpdateTreeBody) => {
      const saved = await api.request<TreeResponse>('PUT', `/trees/${id}`, body);
      onSaved?.(saved);
      return saved;
    },
    onSuccess: invalidate,
  });
}

export function useRestoreTree(id: string, onSaved?: OnSaved) {
  const invalidate = useInvalidateTrees();
  return useMutation({
    mutationFn: async (body: { version: number; base_version: number }) => {
      const restored = await api.post<TreeResponse>(`/trees/${id}/restore`, body);
      onSaved?.(restored);
      return restored;
    },
    onSuccess: invalidate,
  });
}

export function useDeleteTree() {
  const invalidate = useInvalidateTrees();
  return useMutation({ mutationFn: (id: string) => api.delete(`/trees/${id}`), onSuccess: invalidate });
}

export function useImportTrees() {
  const invalidate = useInvalidateTrees();
  return useMutation({ mutationFn: (body: ImportTreesBody) => api.post<ImportReport>('/trees/import', body), onSuccess: invalidate });
}

/** Downloads an export through the API client (it carries the token) and hands it to the browser as a file. */
export function downloadExport(path: string, fallbackName: string): Promise<void> {
  return downloadFile(path, fallbackName);
}
