// The engine's thread. The host sends jobs (see jobs.ts) and ends this worker to cancel one: the
// engine loop is synchronous, and terminate() stops it wherever it is, user code included. Jobs run
// one at a time, in order.
import { parentPort, workerData } from 'node:worker_threads';
import { CallClock } from '../call-clock';
import type { HostToJob, HostToWorker } from '../protocol';
import { debugStep, debugStopped } from './debug';
import { runJob } from './jobs';
import { failOnUnhandledRejection } from './unhandled';
import type { Post } from './load';

if (!parentPort) throw new Error('the Backprop Lens worker must run in a worker thread');
const port = parentPort;
const clock = new CallClock((workerData as { clock: SharedArrayBuffer }).clock);
const post: Post = (msg, transfer = []) => port.postMessage(msg, transfer);
failOnUnhandledRejection(clock);

// Loading a module is asynchronous; the queue keeps jobs whole and in order. A message to the
// running job goes to it at once.
let queue = Promise.resolve();
port.on('message', (msg: HostToWorker | HostToJob) => {
  if (msg.type === 'debugStep') debugStep(msg.runId, msg.seek);
  else if (msg.type === 'debugStopped') debugStopped(msg.runId);
  else queue = queue.then(() => runJob(msg, post, clock));
});
