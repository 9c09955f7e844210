import { useEffect } from 'react';

/** The app's name, after every page's own title in the browser tab. */
export const APP_NAME = 'FlowPilot';

/**
 * Names the browser tab after the page: `Printer offline · FlowPilot`.
 * While the page's subject is still loading (`title` empty) the tab reads `FlowPilot`.
 */
export function usePageTitle(title: string | null | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · ${APP_NAME}` : APP_NAME;
  }, [title]);
  useEffect(
    () => () => {
      document.title = APP_NAME;
    },
    [],
  );
}
