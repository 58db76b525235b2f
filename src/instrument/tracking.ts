import type { ModuleHandle } from './api.ts';
import { PASSTHROUGH } from './passthrough.ts';

// The memory-effects half of the handle (see "Tracking" in api.ts). Placeholder: passthrough.

type Tracking = Pick<ModuleHandle, 'r' | 'w' | 'upd' | 'del' | 'has' | 'rall' | 'pr' | 'pw' | 'mc' | 'fc' | 'f' | 'fs' | 'cls' | 'obj' | 'scope' | 'vr' | 'vw'>;

export const TRACKING: Tracking = {
  r: PASSTHROUGH.r, w: PASSTHROUGH.w, upd: PASSTHROUGH.upd, del: PASSTHROUGH.del, has: PASSTHROUGH.has, rall: PASSTHROUGH.rall,
  pr: PASSTHROUGH.pr, pw: PASSTHROUGH.pw, mc: PASSTHROUGH.mc, fc: PASSTHROUGH.fc, f: PASSTHROUGH.f, fs: PASSTHROUGH.fs,
  cls: PASSTHROUGH.cls, obj: PASSTHROUGH.obj, scope: PASSTHROUGH.scope, vr: PASSTHROUGH.vr, vw: PASSTHROUGH.vw,
};
