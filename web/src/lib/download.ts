import { api } from './api.ts';

/** Fetches a file from the API (POST when a body is given) and saves it under the name the server suggests. */
export async function downloadFile(path: string, fallbackName: string, body?: unknown): Promise<void> {
  const { blob, filename } = await api.download(path, body);
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename ?? fallbackName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
