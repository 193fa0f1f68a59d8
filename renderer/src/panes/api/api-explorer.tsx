// The API explorer: Swagger UI's React build over a gateway's merged OpenAPI document. Loaded
// lazily (it is most of the renderer's weight); its try-it calls go through the engine.
import { useEffect, useRef, useState } from 'react';
import SwaggerUI from 'swagger-ui-react';
import 'swagger-ui-react/swagger-ui.css';
import './api-explorer.css';
import { api, errorMessage } from '../../api.ts';
import { throughEngine } from './try-it-fetch.ts';

type Loaded = { document: object; url: string } | { error: string } | null;

export default function ApiExplorer({ gateway, dark }: { gateway: string; dark: boolean }) {
  const [loaded, setLoaded] = useState<Loaded>(null);
  useEffect(() => {
    let current = true;
    setLoaded(null);
    api.explorer.document
      .query({ gateway })
      .then((answer) => current && setLoaded(answer))
      .catch((error: unknown) => current && setLoaded({ error: errorMessage(error) }));
    return () => {
      current = false;
    };
  }, [gateway]);
  // Swagger UI's own dark theme hangs off a class on <html>; it styles nothing outside .swagger-ui.
  useEffect(() => {
    document.documentElement.classList.toggle('dark-mode', dark);
    return () => document.documentElement.classList.remove('dark-mode');
  }, [dark]);
  // Swagger UI's server pickers have no label (an axe critical): named here as they appear.
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = root.current;
    if (!element) return;
    const name = () =>
      element
        .querySelectorAll('select:not([aria-label]):not([aria-labelledby])')
        .forEach((select) => select.setAttribute('aria-label', select.id === 'servers' ? 'Server' : 'Choice'));
    name();
    const observer = new MutationObserver(name);
    observer.observe(element, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [loaded]);
  if (!loaded) return <p className="hint">Loading the API of {gateway}…</p>;
  if ('error' in loaded)
    return (
      <p className="error" role="alert">
        {loaded.error}
      </p>
    );
  return (
    <div className="api-explorer" data-testid="api-explorer" ref={root}>
      <SwaggerUI
        spec={loaded.document}
        requestInterceptor={throughEngine}
        tryItOutEnabled
        deepLinking={false}
        defaultModelsExpandDepth={-1}
        displayRequestDuration
      />
    </div>
  );
}
