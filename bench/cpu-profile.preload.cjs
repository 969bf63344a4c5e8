// Loaded into each service by `pipeline.bench.ts --profile` (node -r): the first SIGWINCH (ignored by default, and not one of the signals NestJS's shutdown hooks take) starts a V8 CPU
// profile, the second writes it to $CLEARANCE_CPU_PROFILE and stops. A signal pair instead of --cpu-prof because
// NestJS ends a SIGTERMed process by re-raising the signal, and --cpu-prof writes nothing then; it also keeps
// start-up and warm-up out of the profile.
'use strict';
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');

const target = process.env.CLEARANCE_CPU_PROFILE;
if (target) {
  const session = new Session();
  session.connect();
  let profiling = false;
  process.on('SIGWINCH', () => {
    if (!profiling) {
      profiling = true;
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')),
      );
      return;
    }
    session.post('Profiler.stop', (err, res) => {
      profiling = false;
      if (!err) writeFileSync(target, JSON.stringify(res.profile));
    });
  });
}
