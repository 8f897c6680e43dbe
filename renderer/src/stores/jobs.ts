/**
 * Jobs: the one job this window runs at a time (its progress, ETA and live preview) and the
 * results of the last job of each kind (variants to pick from, interpolation frames and GIF).
 * Mutated by `start` / `cancel` (panels, shortcuts) and by `handle`, which receives the host's job
 * events. Picking a variant (`select`, from the results strip) only previews it on the canvas
 * (`preview`); applying it is the document store's business.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { JobEvent, JobKind, JobRequest, JobResult } from '../../../preload/api';
import { api, messageOf } from '../api/host';
import { pngUrl } from '../lib/images';
import { useNoticesStore } from './notices';

export interface Variant extends JobResult {
  url: string;
}

export interface ResultSet {
  kind: JobKind;
  request: JobRequest;
  variants: Variant[];
  selected: number;
  nfe: number;
  seconds: number;
  gif: Uint8Array | null;
}

export interface ActiveJob {
  jobId: string | null;
  kind: JobKind;
  request: JobRequest;
  startedAt: number;
  fraction: number;
  step: number;
  total: number | null;
  etaSeconds: number | null;
  previewUrl: string | null;
  cancelling: boolean;
}

export const KIND_LABELS: Record<JobKind, string> = {
  inpaint: 'Inpainting',
  colorize: 'Colorizing',
  generate: 'Generating',
  interpolate: 'Interpolating',
};

/** ETA from the rate so far, for hosts that send none. */
export function estimateEta(fraction: number, elapsedSeconds: number): number | null {
  if (fraction <= 0.02 || elapsedSeconds <= 0) return null;
  return (elapsedSeconds * (1 - fraction)) / fraction;
}

export function formatDuration(seconds: number): string {
  if (seconds < 1) return '<1 s';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const useJobsStore = defineStore('jobs', () => {
  const active = ref<ActiveJob | null>(null);
  const results = shallowRef<Partial<Record<JobKind, ResultSet>>>({});
  const notices = useNoticesStore();
  /** Events that arrived before startJob answered with the job's id. */
  const early: JobEvent[] = [];
  let now = (): number => performance.now();

  const running = computed(() => active.value !== null);
  /** The variant drawn over the document on the canvas until it is applied or dismissed. */
  const preview = shallowRef<Variant | null>(null);

  function setClock(clock: () => number): void {
    now = clock;
  }

  function finish(): void {
    const a = active.value;
    if (a?.previewUrl) URL.revokeObjectURL(a.previewUrl);
    active.value = null;
  }

  function handle(e: JobEvent): void {
    const a = active.value;
    if (!a) return;
    if (a.jobId === null) {
      early.push(e);
      return;
    }
    if (e.jobId !== a.jobId) return;
    switch (e.type) {
      case 'progress': {
        const elapsed = (now() - a.startedAt) / 1000;
        if (e.previewPng) {
          if (a.previewUrl) URL.revokeObjectURL(a.previewUrl);
          a.previewUrl = pngUrl(e.previewPng);
        }
        a.fraction = e.fraction;
        a.step = e.step;
        a.total = e.total;
        a.etaSeconds = e.etaSeconds ?? estimateEta(e.fraction, elapsed);
        return;
      }
      case 'done': {
        const old = results.value[a.kind];
        old?.variants.forEach((v) => URL.revokeObjectURL(v.url));
        results.value = {
          ...results.value,
          [a.kind]: {
            kind: a.kind,
            request: a.request,
            variants: e.results.map((r) => ({ ...r, url: pngUrl(r.png) })),
            selected: 0,
            nfe: e.nfe,
            seconds: e.seconds,
            gif: e.gif ?? null,
          },
        };
        const fresh = results.value[a.kind]!;
        preview.value =
          a.kind === 'inpaint' || a.kind === 'colorize' ? (fresh.variants[0] ?? null) : null;
        finish();
        return;
      }
      case 'error':
        notices.error(`${KIND_LABELS[a.kind]} failed`, e.message);
        finish();
        return;
      case 'cancelled':
        notices.info(`${KIND_LABELS[a.kind]} cancelled`);
        finish();
        return;
    }
  }

  async function start(request: JobRequest): Promise<boolean> {
    if (active.value) {
      notices.warn('A job is already running; cancel it or wait for it to finish');
      return false;
    }
    active.value = {
      jobId: null,
      kind: request.kind,
      request,
      startedAt: now(),
      fraction: 0,
      step: 0,
      total: null,
      etaSeconds: null,
      previewUrl: null,
      cancelling: false,
    };
    try {
      const { jobId } = await api().startJob(request);
      if (!active.value) return false;
      active.value.jobId = jobId;
      for (const e of early.splice(0)) handle(e);
      return true;
    } catch (e) {
      early.length = 0;
      finish();
      notices.error(`${KIND_LABELS[request.kind]} could not start`, messageOf(e));
      return false;
    }
  }

  async function cancel(): Promise<void> {
    const a = active.value;
    if (!a || a.cancelling) return;
    a.cancelling = true;
    if (a.jobId === null) return;
    try {
      const known = await api().cancelJob({ jobId: a.jobId });
      // The host no longer knows the job: its last event was lost, so nothing else will end it.
      if (!known) finish();
    } catch (e) {
      notices.error('Could not cancel', messageOf(e));
      if (active.value) active.value.cancelling = false;
    }
  }

  function select(kind: JobKind, index: number): void {
    const set = results.value[kind];
    if (!set || index < 0 || index >= set.variants.length) return;
    results.value = { ...results.value, [kind]: { ...set, selected: index } };
    if (kind === 'inpaint' || kind === 'colorize') preview.value = set.variants[index]!;
  }

  function clearResults(kind: JobKind): void {
    if (preview.value && results.value[kind]?.variants.includes(preview.value))
      preview.value = null;
    results.value[kind]?.variants.forEach((v) => URL.revokeObjectURL(v.url));
    results.value = Object.fromEntries(
      Object.entries(results.value).filter(([k]) => k !== kind),
    ) as Partial<Record<JobKind, ResultSet>>;
  }

  return {
    active,
    results,
    running,
    preview,
    start,
    cancel,
    handle,
    select,
    clearResults,
    setClock,
  };
});
