import { describe, expect, it, vi } from 'vitest';
import {
  API_METHODS,
  API_METHOD_NAMES,
  IPC_EVENT_CHANNEL,
  ipcChannel,
  type ApiHandlers,
  type AppEvent,
} from '../../preload/api.ts';
import { buildBridgeApi } from '../../preload/bridge.ts';
import {
  forwardEvents,
  registerApiHandlers,
  sameAppUrl,
  type IpcMainLike,
  type InvokeEventLike,
} from './ipc.ts';

const APP = 'sde-studio://app/index.html';

function fakeIpcMain() {
  const handlers = new Map<
    string,
    (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>
  >();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  return { ipcMain, handlers };
}

function fakeHandlers(): ApiHandlers {
  const settings = { provider: 'auto', threads: 0, defaultSampler: 'dpm++3m' } as const;
  return {
    listModels: vi.fn(async () => []),
    openImage: vi.fn(async () => ({
      docId: 'd1',
      name: 'a.png',
      width: 4,
      height: 3,
      isGray: false,
      notes: [],
      displayPng: new Uint8Array([137, 80]),
    })),
    closeDocument: vi.fn(async () => null),
    startJob: vi.fn(async () => ({ jobId: 'j1' })),
    cancelJob: vi.fn(async () => true),
    getSettings: vi.fn(async () => settings),
    setSettings: vi.fn(async (s) => ({ ...settings, ...s })),
    engineInfo: vi.fn(async () => ({
      status: 'ready' as const,
      provider: null,
      threads: 0,
      notes: [],
      queued: 0,
    })),
    saveBytes: vi.fn(async () => ({ path: '/tmp/x.png' })),
  };
}

/** One valid argument per method. */
const GOOD_ARGS: Record<(typeof API_METHOD_NAMES)[number], unknown> = {
  listModels: undefined,
  openImage: { path: '/photos/a.png' },
  closeDocument: { docId: 'd1' },
  startJob: { kind: 'generate', modelId: 'vp', n: 2, seed: 1, spec: {} },
  cancelJob: { jobId: 'j1' },
  getSettings: undefined,
  setSettings: { threads: 4 },
  engineInfo: undefined,
  saveBytes: { bytes: new Uint8Array(3), suggestedName: 'x.png', kind: 'image' },
};

const fromApp: InvokeEventLike = { senderFrame: { url: APP } };

describe('IPC wiring', () => {
  it('registers one handler per method of the API table, and removes them', () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const remove = registerApiHandlers(ipcMain, fakeHandlers(), sameAppUrl(APP));
    expect([...handlers.keys()].sort()).toEqual(
      Object.keys(API_METHODS)
        .map((m) => ipcChannel(m as never))
        .sort(),
    );
    remove();
    expect(handlers.size).toBe(0);
  });

  it('passes valid arguments through, with the schema defaults filled in', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const api = fakeHandlers();
    registerApiHandlers(ipcMain, api, sameAppUrl(APP));
    for (const method of API_METHOD_NAMES) {
      const args = GOOD_ARGS[method] === undefined ? [] : [GOOD_ARGS[method]];
      const outcome = await handlers.get(ipcChannel(method))!(fromApp, ...args);
      expect(outcome, method).toMatchObject({ ok: true });
      expect(api[method], method).toHaveBeenCalledTimes(1);
    }
    expect(api.startJob).toHaveBeenCalledWith(
      expect.objectContaining({ spec: expect.objectContaining({ sampler: 'dpm++3m' }) }),
    );
  });

  it('rejects bad arguments without calling the handler', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const api = fakeHandlers();
    registerApiHandlers(ipcMain, api, sameAppUrl(APP));
    const bad: [string, unknown[]][] = [
      ['startJob', [{ kind: 'generate', modelId: 'vp', n: 100, seed: 1, spec: {} }]],
      ['startJob', [{ kind: 'paint', modelId: 'vp' }]],
      ['openImage', [{ path: '/a.png', bytes: new Uint8Array(1), name: 'a' }]],
      ['openImage', [{ bytes: [1, 2, 3], name: 'a.png' }]],
      ['setSettings', [{ provider: 'tpu' }]],
      ['cancelJob', [{ jobId: 'j1' }, 'extra']],
      ['saveBytes', [{ bytes: new Uint8Array(1), suggestedName: '', kind: 'image' }]],
      ['listModels', ['unexpected']],
    ];
    for (const [method, args] of bad) {
      const outcome = await handlers.get(`sde-studio:${method}`)!(fromApp, ...args);
      expect(outcome, `${method} ${JSON.stringify(args)}`).toMatchObject({
        ok: false,
        error: expect.stringMatching(new RegExp(`^${method}`)),
      });
    }
    for (const method of API_METHOD_NAMES) expect(api[method]).not.toHaveBeenCalled();
  });

  it('refuses senders other than the app page', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const api = fakeHandlers();
    registerApiHandlers(ipcMain, api, sameAppUrl(APP));
    const strangers: InvokeEventLike[] = [
      { senderFrame: null },
      { senderFrame: { url: 'https://evil.example/' } },
      { senderFrame: { url: 'sde-studio://other/index.html' } },
      { senderFrame: { url: 'file:///tmp/index.html' } },
    ];
    for (const event of strangers) {
      const outcome = await handlers.get(ipcChannel('listModels'))!(event);
      expect(outcome).toMatchObject({ ok: false, error: expect.stringContaining('refused') });
    }
    expect(api.listModels).not.toHaveBeenCalled();
  });

  it('works end to end through the preload bridge, errors as plain messages', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const api = fakeHandlers();
    api.closeDocument = vi.fn(async () => {
      throw new Error('no open document d9');
    });
    registerApiHandlers(ipcMain, api, sameAppUrl(APP));
    const eventListeners = new Set<(payload: unknown) => void>();
    const bridge = buildBridgeApi({
      invoke: (channel, ...args) => handlers.get(channel)!(fromApp, ...args),
      on: (channel, listener) => {
        expect(channel).toBe(IPC_EVENT_CHANNEL);
        eventListeners.add(listener);
        return () => eventListeners.delete(listener);
      },
    });
    expect(
      await bridge.startJob({ kind: 'generate', modelId: 'vp', n: 1, seed: 0, spec: {} }),
    ).toEqual({ jobId: 'j1' });
    expect(await bridge.engineInfo()).toMatchObject({ status: 'ready' });
    await expect(bridge.closeDocument({ docId: 'd9' })).rejects.toThrow(/^no open document d9$/);
    expect(bridge.capabilities).toEqual({ host: 'electron', canSaveToDisk: true });

    const received: AppEvent[] = [];
    const unsubscribe = bridge.onEvent((e) => received.push(e));
    const hostListeners = new Set<(e: AppEvent) => void>();
    forwardEvents(
      (l) => {
        hostListeners.add(l);
        return () => hostListeners.delete(l);
      },
      (_channel, event) => eventListeners.forEach((l) => l(event)),
    );
    const send = (e: unknown) => hostListeners.forEach((l) => l(e as AppEvent));
    const complaints = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    send({ type: 'menu', command: 'undo' });
    send({ type: 'progress', jobId: 'j1', step: -1 });
    expect(received).toEqual([{ type: 'menu', command: 'undo' }]);
    expect(complaints).toHaveBeenCalledTimes(1);
    complaints.mockRestore();
    unsubscribe();
    send({ type: 'menu', command: 'redo' });
    expect(received).toHaveLength(1);
  });
});
