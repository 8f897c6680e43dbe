import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/**
 * The dev server injects each component's CSS as a <style> element, which the page's strict CSP
 * forbids; only while serving, the policy also allows inline styles. Builds keep the strict one.
 */
function devStyles(): Plugin {
  return {
    name: 'sde-studio-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) =>
      html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  };
}

/**
 * The renderer bundle. `base: './'` keeps every asset URL relative so that the same build loads
 * from file:// in Electron and from the browser-mode server.
 */
export default defineConfig({
  root: here('./renderer'),
  base: './',
  plugins: [vue(), devStyles()],
  build: {
    outDir: here('./dist/renderer'),
    emptyOutDir: true,
    // Inline nothing as data: URLs for scripts; the CSP allows data: only for images.
    assetsInlineLimit: 0,
    sourcemap: true,
  },
  server: { host: '127.0.0.1', strictPort: false },
});
