import { htmlEmail, linkButton, type OutgoingEmail } from '../../integrations/email/mailer.ts';
import { escapeHtml } from '../../lib/html.ts';

/**
 * The password reset email: the link as a button and spelled out (for clients
 * that hide buttons), how long it works, and what to do if you did not ask.
 * Inline styles and tables only; no scripts or remote images.
 */
export function buildPasswordResetEmail(recipient: { name: string; email: string }, link: string, minutes: number): OutgoingEmail {
  const name = recipient.name.replace(/\s+/g, ' ').trim().slice(0, 100) || 'there';
  const subject = 'Reset your FlowPilot password';
  const intro = `Hi ${name}, someone (hopefully you) asked to reset the password of the FlowPilot account ${recipient.email}.`;
  const how = `Open this link within ${minutes} minutes to choose a new password. It works once.`;
  const ignore = 'If you did not ask for this, ignore this email: your password stays as it is.';
  const text = [subject, '', intro, '', how, link, '', ignore, ''].join('\n');
  const p = 'margin:0 0 16px 0;font-size:14px;line-height:20px;';
  const html = htmlEmail(
    subject,
    [`<p style="${p}">${escapeHtml(intro)}</p>`, `<p style="${p}">${escapeHtml(how)}</p>`, linkButton(link, 'Choose a new password', '8px'), `<p style="${p}color:#555555;">${escapeHtml(ignore)}</p>`].join('\n'),
  );
  return { to: { name: recipient.name, email: recipient.email }, subject, text, html };
}
