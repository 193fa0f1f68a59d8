// The agent's text (and a branch's summary) as markdown, GitHub's flavour (tables, task lists), its
// code blocks highlighted (react-markdown with rehype-highlight: no HTML from the model is
// rendered, only markdown). Links open outside the window.
import { memo } from 'react';
import ReactMarkdown from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import remarkGfm from 'remark-gfm';

// react-markdown makes its processor anew on each render, and rehype-highlight's attacher registers
// every common language with a new lowlight each time it is called (a third of switching to a long
// thread went there): the transformer is made once, with one lowlight whose grammars stay compiled.
const highlight = rehypeHighlight({ detect: true });
const plugins = [() => highlight] as Parameters<typeof ReactMarkdown>[0]['rehypePlugins'];
const remarkPlugins = [remarkGfm];

export const Markdown = memo(function Markdown({ text, testId }: { text: string; testId?: string }) {
  return (
    <div className="markdown" data-testid={testId}>
      <ReactMarkdown
        remarkPlugins={remarkPlugins}
        rehypePlugins={plugins}
        components={{
          a: ({ href, children }) => (
            <a href={href} target="_blank" rel="noreferrer">
              {children}
            </a>
          ),
          // The window's own headings come first (h1, h2 of the view): the text's start under them.
          h1: ({ children }) => <h3>{children}</h3>,
          h2: ({ children }) => <h4>{children}</h4>,
          h3: ({ children }) => <h5>{children}</h5>,
          // A code block scrolls sideways on its own; keyboard users reach it too.
          pre: ({ children }) => <pre tabIndex={0}>{children}</pre>,
        }}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
});
