/* Streaming-read memory bandwidth: sums a 1 GiB array of uint64 (far larger
 * than any cache) with eight independent accumulators, best of several passes.
 * Prints one JSON object. Built and run by compare.py (cc -O2 -march=native). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  size_t bytes = (argc > 1 ? strtoull(argv[1], NULL, 10) : 1024) << 20;
  int passes = argc > 2 ? atoi(argv[2]) : 7;
  size_t n = bytes / sizeof(uint64_t);
  uint64_t *a = malloc(n * sizeof(uint64_t));
  if (!a) { fprintf(stderr, "out of memory\n"); return 1; }
  for (size_t i = 0; i < n; i++) a[i] = i; /* touch every page */
  double best = 1e30;
  uint64_t total = 0;
  for (int pass = 0; pass < passes; pass++) {
    double t0 = now();
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (size_t i = 0; i + 8 <= n; i += 8) {
      s0 += a[i]; s1 += a[i + 1]; s2 += a[i + 2]; s3 += a[i + 3];
      s4 += a[i + 4]; s5 += a[i + 5]; s6 += a[i + 6]; s7 += a[i + 7];
    }
    double t = now() - t0;
    total += s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
    if (t < best) best = t;
  }
  printf("{\"bytes\": %zu, \"best_seconds\": %.9f, \"gb_per_second\": %.3f, \"checksum\": %llu}\n",
         n * sizeof(uint64_t), best, n * sizeof(uint64_t) / best / 1e9, (unsigned long long)total);
  free(a);
  return 0;
}
