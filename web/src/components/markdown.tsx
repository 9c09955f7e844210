import { useRef, useState, type ComponentProps } from 'react';
import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { ActionIcon, Tooltip, Typography } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';

/**
 * Puts text on the clipboard. The Clipboard API exists only on secure pages
 * (HTTPS or localhost); a FlowPilot reached over plain HTTP on the office
 * network copies through a hidden text field instead.
 */
async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* refused (no permission): try the old way */
  }
  const field = document.createElement('textarea');
  field.value = text;
  field.setAttribute('readonly', '');
  field.style.position = 'fixed';
  field.style.opacity = '0';
  document.body.appendChild(field);
  field.select();
  try {
    return document.execCommand('copy');
  } finally {
    field.remove();
  }
}

/** A fenced code block with a button that copies the command exactly as written. */
function CodeBlock({ node: _node, ...props }: ComponentProps<'pre'> & { node?: unknown }) {
  const pre = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    // The Markdown parser ends every code block with a newline; pasted into a shell it would run the command.
    const text = (pre.current?.textContent ?? '').replace(/\n$/, '');
    if (await copyText(text)) {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    }
  };
  return (
    <div className="fp-code">
      <pre ref={pre} {...props} />
      <Tooltip label={copied ? 'Copied' : 'Copy'} withArrow position="left">
        <ActionIcon
          className="fp-code-copy"
          variant="default"
          size="md"
          aria-label={copied ? 'Copied' : 'Copy code'}
          onClick={() => void copy()}
        >
          {copied ? <IconCheck size={14} /> : <IconCopy size={14} />}
        </ActionIcon>
      </Tooltip>
    </div>
  );
}

/**
 * Renders a node body. Raw HTML in the Markdown is shown as text, never
 * run, and link URLs are sanitised (react-markdown's defaults), so a tree
 * body can never inject script.
 */
export function Markdown({ children, headingOffset = 0 }: { children: string; /** Levels to push headings down, for Markdown shown under a page's own headings (its `#` must not be a second h1). */ headingOffset?: number }) {
  const heading = (level: number) => {
    const Tag = `h${Math.min(6, level + headingOffset)}` as 'h1';
    return ({ node: _node, ...props }: ComponentProps<'h1'> & { node?: unknown }) => <Tag {...props} />;
  };
  return (
    <Typography fz="sm" className="fp-markdown">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        components={{
          a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer" />,
          pre: CodeBlock,
          ...(headingOffset > 0 && { h1: heading(1), h2: heading(2), h3: heading(3), h4: heading(4), h5: heading(5), h6: heading(6) }),
        }}
      >
        {children}
      </ReactMarkdown>
    </Typography>
  );
}
