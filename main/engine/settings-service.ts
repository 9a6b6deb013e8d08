/**
 * The settings a scan uses: defaults, then what the user saved (in the database), then what this process was started
 * with (`--k`, `--family`, `--concurrency`: they win for this run and are never saved). Readers call `scan()` for a
 * snapshot instead of sharing one mutable object.
 */
import { ModelFamily, type Settings } from '../../shared/api.ts';
import type { SettingsRepo } from '../store/settings-repo.ts';
import { DEFAULT_SCAN_SETTINGS, type ScanSettings } from './scan-service.ts';

/** The settings a person changes from the app; everything else in ScanSettings is fixed or per-run. */
interface Saved {
  k?: number;
  family?: ModelFamily | null;
}

export class SettingsService {
  private overrides: Partial<ScanSettings>;
  private listeners: (() => void)[] = [];

  constructor(
    private repo: SettingsRepo,
    overrides: Partial<ScanSettings> = {},
  ) {
    this.overrides = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  }

  /** Called after a change to what a scan uses (the model service drops its loaded models). */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  scan(): ScanSettings {
    return { ...DEFAULT_SCAN_SETTINGS, ...this.saved(), ...this.overrides };
  }

  get(): Settings {
    const s = this.scan();
    return { k: s.k, teacherFps: s.teacherFps, family: s.family };
  }

  /** Save what the user chose; it also replaces a value this process was started with (the latest word wins). */
  set(change: Saved): Settings {
    const before = this.scan();
    this.repo.save({ k: change.k, family: change.family });
    if (change.k !== undefined) delete this.overrides.k;
    if (change.family !== undefined) delete this.overrides.family;
    const after = this.scan();
    if (after.family !== before.family || after.k !== before.k) for (const fn of this.listeners) fn();
    return this.get();
  }

  private saved(): Saved {
    const all = this.repo.all();
    const out: Saved = {};
    if (Number.isInteger(all.k) && (all.k as number) >= 1 && (all.k as number) <= 300) out.k = all.k as number;
    if (all.family === null || ModelFamily.safeParse(all.family).success) out.family = all.family as ModelFamily | null;
    return out;
  }
}
