import { useNavigate } from 'react-router';
import { Button, Stack, Text } from '@mantine/core';
import { notifications as toasts } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { IconBell, IconUserCheck } from '@tabler/icons-react';
import type { CountResponse, Notification, SessionResponse } from '@flowpilot/contracts';
import { useAuth } from '../lib/auth.tsx';
import { useLiveEvents } from '../lib/event-stream.tsx';
import { escalationKeys, invalidateQueue, invalidateSession } from '../features/escalations/escalations-api.ts';
import { invalidateBell, isBellOpen, LIVE_TOAST_PREFIX, notificationListQuery, useMarkRead } from '../features/notifications/notifications-api.ts';
import { sessionKeys } from '../features/sessions/sessions-api.ts';

/** One toast per pickup, whichever of its two events (the pickup, the bell notification) comes first. */
const pickupToastId = (sessionId: string | null) => `${LIVE_TOAST_PREFIX}picked-up-${sessionId}`;

/** A toast that leads somewhere: the button (or a click on the toast) opens it. */
function ToastBody({ body, onOpen }: { body: string; onOpen?: () => void }) {
  return (
    <Stack gap={6} align="flex-start">
      {body && (
        <Text size="sm" lineClamp={3}>
          {body}
        </Text>
      )}
      {onOpen && (
        <Button size="compact-xs" variant="light" onClick={onOpen}>
          Open
        </Button>
      )}
    </Stack>
  );
}

/**
 * Keeps what is on screen current from the live event stream: each event
 * refetches the queries it concerns (events carry ids only), and a new
 * notification or a pickup shows a toast. Mounted once, in the app layout.
 */
export function useLiveUpdates(): void {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { user } = useAuth();
  const markRead = useMarkRead();

  const open = (toastId: string, link: string, notificationId?: string) => {
    toasts.hide(toastId);
    if (notificationId) markRead.mutate(notificationId);
    void navigate(link);
  };

  const toastNotification = async (id: string) => {
    const list = await qc.fetchQuery({ ...notificationListQuery, staleTime: 0 }).catch(() => null);
    const n: Notification | undefined = list?.items.find((x) => x.id === id);
    if (!n || n.read_at || isBellOpen()) return;
    const toastId = n.type === 'picked_up' ? pickupToastId(n.session_id) : `${LIVE_TOAST_PREFIX}notification-${n.id}`;
    const link = n.link;
    toasts.show({
      id: toastId,
      title: n.title,
      message: <ToastBody body={n.body} onOpen={link ? () => open(toastId, link, n.id) : undefined} />,
      color: n.type === 'picked_up' ? 'teal' : n.type === 'transfer' ? 'blue' : 'orange',
      icon: n.type === 'picked_up' ? <IconUserCheck size={18} /> : <IconBell size={18} />,
      autoClose: n.type === 'escalation_reminder' || n.type === 'escalation' ? 12_000 : 8_000,
    });
  };

  useLiveEvents(
    (event) => {
      switch (event.type) {
        case 'notification.created':
          void invalidateBell(qc);
          void toastNotification(event.data.notification_id);
          return;
        // The count follows as `queue.count`: only the list is refetched here.
        case 'escalation.created':
          void qc.invalidateQueries({ queryKey: [...escalationKeys.all, 'list'] });
          return;
        case 'escalation.picked_up': {
          const { session_id, by_user_id, by_user_name } = event.data;
          void qc.invalidateQueries({ queryKey: [...escalationKeys.all, 'list'] });
          void invalidateSession(qc, session_id);
          // The escalation's notifications now say who took it (and are read for the one who did).
          void invalidateBell(qc);
          // The one who picked it up knows; the technician hears it from their bell notification.
          if (!user || by_user_id === user.id || user.role === 'technician') return;
          const session = qc.getQueryData<SessionResponse>(sessionKeys.detail(session_id));
          const toastId = pickupToastId(session_id);
          toasts.show({
            id: toastId,
            title: session?.user_id === user.id ? `${by_user_name} picked up your escalation` : `${by_user_name} picked up an escalation`,
            message: <ToastBody body={session ? [session.client_name, session.tree_title].filter(Boolean).join(' · ') : ''} onOpen={() => open(toastId, `/pilot/${session_id}`)} />,
            color: 'teal',
            icon: <IconUserCheck size={18} />,
            autoClose: 6_000,
          });
          return;
        }
        case 'session.updated': {
          // The answer to this browser's own step is on screen already: no need to read it again.
          const cached = qc.getQueryData<SessionResponse>(sessionKeys.detail(event.data.session_id));
          if (event.data.step_count !== undefined && cached && cached.steps.length >= event.data.step_count) return;
          void invalidateSession(qc, event.data.session_id);
          return;
        }
        case 'queue.count': {
          qc.setQueryData<CountResponse>(escalationKeys.count, { count: event.data.count });
          return;
        }
      }
    },
    // Back after a gap: with nothing to resume from, refetch everything live; else the sessions on screen
    // (their step-by-step hints are not replayed).
    (gap) => {
      if (gap === 'partial') {
        void qc.invalidateQueries({ queryKey: sessionKeys.all });
        return;
      }
      void invalidateBell(qc);
      void invalidateQueue(qc);
      void qc.invalidateQueries({ queryKey: sessionKeys.all });
    },
  );
}
