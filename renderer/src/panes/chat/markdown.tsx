// The agent's text as markdown, its code blocks highlighted (react-markdown with rehype-highlight:
// no HTML from the model is rendered, only markdown). Links open outside the window.
import { memo } from 'react';
import ReactMarkdown from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';

const plugins = [[rehypeHighlight, { detect: true, ignoreMissing: true }]] as Parameters<
  typeof ReactMarkdown
>[0]['rehypePlugins'];

export const Markdown = memo(function Markdown({ text, testId }: { text: string; testId?: string }) {
  return (
    <div className="markdown" data-testid={testId}>
      <ReactMarkdown
        rehypePlugins={plugins}
        components={{
          a: ({ href, children }) => (
            <a href={href} target="_blank" rel="noreferrer">
              {children}
            </a>
          ),
          // A code block scrolls sideways on its own; keyboard users reach it too.
          pre: ({ children }) => <pre tabIndex={0}>{children}</pre>,
        }}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
});
