import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The console server is one origin for the app and the APIs (so the session cookie works); in
// development Vite serves the app and hands /auth and /api to it.
const consoleUrl = process.env.CONSOLE_URL ?? 'http://127.0.0.1:8086';

export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/auth': consoleUrl, '/api': consoleUrl } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800 },
});
