/**
 * The desktop shell, through Playwright's Electron driver. It needs an Electron binary, which
 * the `electron` package downloads where it can; on machines without one (CI here: no network
 * for the download) the test is skipped and says why.
 */
import { _electron as electron, expect, test } from '@playwright/test';
import { electronBinary, hasDisplay } from '../src/node/desktop/electron.js';
import { projectRoot } from '../src/node/engine/paths.js';
import { tempDir } from '../src/node/testing/fixtures.js';

const binary = electronBinary();
const skipReason = 'problem' in binary ? binary.problem : hasDisplay() ? null : 'there is no display (DISPLAY/WAYLAND_DISPLAY unset)';
if (skipReason) console.log(`Electron end-to-end test skipped: ${skipReason}.`);

test('the window opens with the runs list and talks to the services over IPC', async () => {
  test.skip(skipReason !== null, `Electron end-to-end test skipped: ${skipReason}`);
  if ('problem' in binary) return;
  const home = tempDir('coconut-electron-');
  const app = await electron.launch({
    executablePath: binary.path,
    args: [projectRoot()],
    env: { ...process.env, COCONUT_HOME: home.path },
  });
  try {
    const window = await app.firstWindow();
    await expect(window.getByTestId('new-run-button')).toBeVisible();
    const info = await window.evaluate(async () => {
      const bridge = (window as unknown as { coconutIpc: { call(m: string, r: unknown): Promise<unknown> } }).coconutIpc;
      return bridge.call('system.info', {});
    });
    expect(info).toMatchObject({ ok: true, result: { transport: 'ipc', home: home.path } });
    // The renderer has no Node: the sandbox and context isolation hold.
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
  } finally {
    await app.close();
    home.remove();
  }
});
