// Loaded with `node --import` into a process the benchmark measures (the `glimpse` CLI): at exit it writes its own
// CPU time and peak RSS (process.resourceUsage) and the CPU time of the children it waited for (ffmpeg, from
// /proc/self/stat cutime/cstime) to $GLIMPSE_BENCH_RUSAGE. Plain JS so it loads before any TypeScript loader.
import fs from 'node:fs';

const out = process.env.GLIMPSE_BENCH_RUSAGE;
if (out) {
  process.on('exit', () => {
    const r = process.resourceUsage();
    let childrenUserS = null;
    let childrenSystemS = null;
    try {
      // fields after "(comm)": index 0 is field 3 (state); cutime is field 16, cstime 17, in clock ticks (100 Hz)
      const stat = fs.readFileSync('/proc/self/stat', 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      childrenUserS = Number(f[13]) / 100;
      childrenSystemS = Number(f[14]) / 100;
    } catch {
      /* not Linux: children's CPU stays unknown */
    }
    fs.writeFileSync(
      out,
      JSON.stringify({
        userS: r.userCPUTime / 1e6,
        systemS: r.systemCPUTime / 1e6,
        maxRssMB: r.maxRSS / 1024,
        childrenUserS,
        childrenSystemS,
      }),
    );
  });
}
