export const fmtDuration = (s: number | null | undefined): string => {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  const m = Math.floor(s / 60),
    sec = Math.floor(s % 60);
  return m >= 60
    ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(sec).padStart(2, '0')}`
    : `${m}:${String(sec).padStart(2, '0')}`;
};
/** A moment (ISO 8601) as the person's locale writes it, date and time: "1 Jun 2021, 12:00". */
export const fmtDate = (iso: string): string => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
};
export const fmtTime = (s: number): string => `${fmtDuration(s)}${s < 60 ? `.${String(Math.floor((s % 1) * 10))}` : ''}`;
export const fmtBytes = (b: number): string => {
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) {
    b /= 1024;
    i++;
  }
  return `${b.toFixed(i ? 1 : 0)} ${u[i]}`;
};
export const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(0)}%`);
export const fmtEta = (s: number | null): string =>
  s === null ? 'estimating…' : s < 60 ? `${s}s left` : `${Math.floor(s / 60)}m ${s % 60}s left`;

export function download(filename: string, mime: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
/** FLOPs with an SI prefix: 1.2 GFLOPs, 640 MFLOPs. */
export const fmtFlops = (f: number | null | undefined): string => {
  if (f === null || f === undefined || !Number.isFinite(f)) return '–';
  if (f === 0) return '0';
  const u: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  const [d, p] = u.find(([x]) => f >= x) ?? [1, ''];
  return `${(f / d).toFixed(f / d >= 100 ? 0 : 1)} ${p}FLOPs`;
};
/** "1 video", "2 videos", "1,234 videos". */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** The end of a long name survives: "gradio_demo_vi…_clip03.mp4" (the full name goes in a tooltip). */
export function middleTruncate(name: string, max = 30): string {
  if (name.length <= max) return name;
  const dot = name.lastIndexOf('.');
  const tailLen = Math.max(Math.min(12, name.length - dot + 6), Math.floor(max * 0.45));
  const head = name.slice(0, max - tailLen - 1);
  return `${head}…${name.slice(name.length - tailLen)}`;
}

/**
 * A stored model name ("uniform-10+student:netvlad@10", "all@1fps+teacher:evidence") as words a person reads:
 * "student, 10 frames, netvlad model". Unknown shapes come back unchanged.
 */
export function modelLabel(raw: string | null | undefined): string {
  if (!raw) return '–';
  const [sampling, tagger = ''] = raw.includes('+') ? raw.split('+', 2) : ['', raw];
  const m = /^([a-z]+)(?::([\w-]+))?(?:@(\d+))?$/i.exec(tagger);
  const parts: string[] = [];
  const role = m?.[1] ?? '';
  if (role === 'maxpool') parts.push('detector only (max over frames)');
  else if (role) parts.push(role);
  const uni = /^uniform-(\d+)$/.exec(sampling);
  const all = /^all@([\d.]+)fps$/.exec(sampling);
  if (uni) parts.push(`${uni[1]} frame${uni[1] === '1' ? '' : 's'}`);
  else if (all) parts.push(`every frame at ${all[1]} fps`);
  else if (m?.[3]) parts.push(`${m[3]} frames`);
  if (m?.[2]) parts.push(`${m[2]} model`);
  if (!m && !uni && !all) return raw;
  return parts.join(', ') || raw;
}

/** A name cut for middle truncation in CSS: [start, end], where the end keeps the extension and a few characters. */
export function splitName(name: string, keep = 12): [string, string] {
  const dot = name.lastIndexOf('.');
  const n = Math.max(keep, dot > 0 ? name.length - dot + 6 : keep);
  return name.length <= n + 3 ? [name, ''] : [name.slice(0, name.length - n), name.slice(name.length - n)];
}
