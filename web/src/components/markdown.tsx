import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { Typography } from '@mantine/core';

/**
 * Renders a node body. Raw HTML in the Markdown is shown as text, never
 * run, and link URLs are sanitised (react-markdown's defaults), so a tree
 * body can never inject script.
 */
export function Markdown({ children }: { children: string }) {
  return (
    <Typography fz="sm" className="fp-markdown">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        components={{ a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer" /> }}
      >
        {children}
      </ReactMarkdown>
    </Typography>
  );
}
