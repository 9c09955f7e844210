import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { CountResponse, Notification, NotificationList, NotificationSettings } from '@flowpilot/contracts';
import { notifications as toasts, notificationsStore } from '@mantine/notifications';
import { api } from '../../lib/api.ts';

/** How many notifications the bell lists. */
export const BELL_PAGE_SIZE = 20;

export const notificationKeys = {
  all: ['notifications'] as const,
  list: ['notifications', 'list'] as const,
  unreadCount: ['notifications', 'unread-count'] as const,
  settings: ['notifications', 'settings'] as const,
};

/** Refetches what the bell shows: the list and the unread count. */
export function invalidateBell(qc: QueryClient): Promise<void> {
  return Promise.all([qc.invalidateQueries({ queryKey: notificationKeys.list }), qc.invalidateQueries({ queryKey: notificationKeys.unreadCount })]).then(() => undefined);
}

export const notificationListQuery = {
  queryKey: notificationKeys.list,
  queryFn: () => api.get<NotificationList>(`/notifications?limit=${BELL_PAGE_SIZE}`),
};

export const useNotifications = (enabled = true) => useQuery({ ...notificationListQuery, enabled });

export const useUnreadCount = () =>
  useQuery({
    queryKey: notificationKeys.unreadCount,
    queryFn: () => api.get<CountResponse>('/notifications/unread-count'),
    // Live events keep it fresh; this is only the safety net for a stream that is down.
    refetchInterval: 120_000,
    staleTime: 60_000,
  });

const markReadInCache = (list: NotificationList | undefined, isRead: (n: Notification) => boolean): NotificationList | undefined =>
  list && { ...list, items: list.items.map((n) => (n.read_at === null && isRead(n) ? { ...n, read_at: new Date().toISOString() } : n)) };

/** Marks one notification read, at once in the bell, then on the server. */
export function useMarkRead() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post<void>(`/notifications/${id}/read`),
    onMutate: (id) => {
      const list = qc.getQueryData<NotificationList>(notificationKeys.list);
      const wasUnread = list?.items.some((n) => n.id === id && n.read_at === null) ?? false;
      qc.setQueryData<NotificationList>(notificationKeys.list, (l) => markReadInCache(l, (n) => n.id === id));
      if (wasUnread) qc.setQueryData<CountResponse>(notificationKeys.unreadCount, (c) => c && { count: Math.max(0, c.count - 1) });
    },
    onSettled: () => invalidateBell(qc),
  });
}

export function useMarkAllRead() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<void>('/notifications/read-all'),
    onMutate: () => {
      qc.setQueryData<NotificationList>(notificationKeys.list, (l) => markReadInCache(l, () => true));
      qc.setQueryData<CountResponse>(notificationKeys.unreadCount, { count: 0 });
    },
    onSettled: () => invalidateBell(qc),
  });
}

export const useNotificationSettings = (enabled = true) =>
  useQuery({ queryKey: notificationKeys.settings, queryFn: () => api.get<NotificationSettings>('/notifications/settings'), enabled });

export function useSaveNotificationSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: NotificationSettings) => api.put<NotificationSettings>('/notifications/settings', body),
    onSuccess: (saved) => qc.setQueryData(notificationKeys.settings, saved),
  });
}

/** Toasts that announce a live notification carry this id prefix, so the bell can clear them. */
export const LIVE_TOAST_PREFIX = 'live-';

let bellOpen = false;
/** Whether the bell's list is open: a new notification then shows there, not as a toast over it. */
export const isBellOpen = (): boolean => bellOpen;
export function setBellOpen(open: boolean): void {
  bellOpen = open;
  if (open) hideLiveToasts();
}

/** Clears the toasts of live notifications (the bell is open: they are in its list). */
function hideLiveToasts(): void {
  const state = notificationsStore.getState();
  for (const t of [...state.notifications, ...state.queue]) if (t.id?.startsWith(LIVE_TOAST_PREFIX)) toasts.hide(t.id);
}
