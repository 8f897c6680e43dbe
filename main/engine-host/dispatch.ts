/**
 * One API call from any transport (Electron IPC, the WebSocket): the method looked up in
 * API_METHODS, its argument validated, the handler run, its result validated, the outcome
 * returned as data. Every host goes through here, so both validate with the same table.
 */
import {
  API_METHODS,
  appEventSchema,
  describeIssues,
  type ApiHandlers,
  type ApiMethodName,
  type AppEvent,
  type CallOutcome,
} from '../../preload/api.ts';

export function isApiMethod(name: unknown): name is ApiMethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(API_METHODS, name);
}

export async function dispatch(
  handlers: ApiHandlers,
  method: unknown,
  arg: unknown,
): Promise<CallOutcome<unknown>> {
  if (!isApiMethod(method))
    return { ok: false, error: `unknown method ${String(method).slice(0, 64)}` };
  const schemas = API_METHODS[method];
  const parsed = schemas.arg.safeParse(arg);
  if (!parsed.success) return { ok: false, error: `${method}: ${describeIssues(parsed.error)}` };
  let value: unknown;
  try {
    const handler = handlers[method] as (a: unknown) => Promise<unknown>;
    value = await handler(parsed.data);
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  const result = schemas.result.safeParse(value);
  if (!result.success) {
    // A host bug; the renderer gets a message instead of data it would choke on.
    return {
      ok: false,
      error: `${method} returned an invalid result: ${describeIssues(result.error)}`,
    };
  }
  return { ok: true, value: result.data };
}

/** The event if it matches the contract, else null (and a line on stderr: a host bug). */
export function checkedEvent(event: unknown): AppEvent | null {
  const parsed = appEventSchema.safeParse(event);
  if (parsed.success) return parsed.data;
  console.error(`dropped an invalid event: ${describeIssues(parsed.error)}`);
  return null;
}
