/** `npm run bench`: benchmarks, each printing its figures and ratios measured side by side in this run. */
import { benchAnalysis } from './analysis';

benchAnalysis();
