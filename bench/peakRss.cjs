// Preloaded into a child process the bench measures (`node --require bench/peakRss.cjs ...`): prints its peak
// resident memory (kilobytes, process.resourceUsage's maxRSS) on stderr as it exits.
process.on('exit', () => process.stderr.write(`[peak-rss] ${process.resourceUsage().maxRSS}\n`));
