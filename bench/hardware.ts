/**
 * Where the generated wide model runs in the prediction and draft benches: the CPU (the default, as CI's
 * machine), or with QED_NANO_BENCH_GPU=1 a GPU if node-llama-cpp finds one (gpu 'auto'), to measure what a
 * predicted token costs where an evaluation is not bound by the CPU's arithmetic.
 */
export const BENCH_GPU: 'auto' | false = process.env.QED_NANO_BENCH_GPU === '1' ? 'auto' : false;
