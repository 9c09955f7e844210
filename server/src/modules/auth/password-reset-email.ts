import type { OutgoingEmail } from '../../integrations/email/mailer.ts';
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
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f4f4f5;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f4f5;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;background:#ffffff;border-radius:8px;font-family:Arial,Helvetica,sans-serif;color:#111111;">
<tr><td style="padding:24px;">
<h1 style="margin:0 0 12px 0;font-size:20px;line-height:26px;">${escapeHtml(subject)}</h1>
<p style="${p}">${escapeHtml(intro)}</p>
<p style="${p}">${escapeHtml(how)}</p>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 8px 0;"><tr><td style="background:#1d4ed8;border-radius:6px;">
<a href="${escapeHtml(link)}" style="display:inline-block;padding:12px 20px;color:#ffffff;font-size:15px;font-weight:bold;text-decoration:none;font-family:Arial,Helvetica,sans-serif;">Choose a new password</a>
</td></tr></table>
<p style="margin:0 0 16px 0;font-size:12px;line-height:18px;color:#555555;">Or copy this link: <a href="${escapeHtml(link)}" style="color:#1d4ed8;word-break:break-all;">${escapeHtml(link)}</a></p>
<p style="${p}color:#555555;">${escapeHtml(ignore)}</p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
  return { to: { name: recipient.name, email: recipient.email }, subject, text, html };
}
