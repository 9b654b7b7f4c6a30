// PatchMatch nearest-neighbour fields (Barnes et al. 2009) and Wexler et al. (2007) voting,
// the two steps of multi-scale patch-based completion (the pyramid loop is in
// inference/inpaint/patchmatch.py, which also holds the plain twins used by the tests).
//
// nnf: for every target patch centre (y, x) of A, the centre (v, u) of a patch of B, chosen
// to minimise the weighted SSD   sum_p w(p) |A(p) - B(p + (v - y, u - x))|^2   over the
// (2r+1)^2 patch, where w is a per-pixel weight of A (0 for unknown pixels, so a hole does not
// vote for its own garbage) and pixels of A outside the image are skipped. Candidates are
// only patch centres of B flagged valid (whole patch inside B and inside the allowed source).
//
// Determinism with OpenMP: the rows are split into a fixed number of bands (independent of
// the thread count). Within a band the scan reads its neighbours' fresh matches; across a band
// border it reads the previous iteration's copy, and every band has its own random stream
// seeded from (seed, iteration, band). The same seed therefore gives the same field on any
// machine and any number of threads.
#include <torch/extension.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace {

constexpr int kBands = 16;

struct Rng {  // splitmix64: tiny, good enough, reproducible everywhere
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int64_t uniform(int64_t lo, int64_t hi) {  // inclusive
    return lo + int64_t(next() % uint64_t(hi - lo + 1));
  }
};

struct Problem {
  const float* A;
  const float* B;
  const float* wa;
  const uint8_t* bvalid;
  const uint8_t* target;
  int64_t H, W, Hb, Wb, C, r;
  std::vector<int64_t> valid_list;  // linear indices of valid B centres
  bool uniform = false;             // all weights 1: whole-row SSDs (vectorised) where possible
};

// Weighted SSD between the A patch at (y, x) and the B patch at (v, u); stops early once it
// exceeds `cap` (the caller's best so far).
inline float patch_distance(const Problem& P, int64_t y, int64_t x, int64_t v, int64_t u, float cap) {
  float d = 0.f;
  const int64_t r = P.r, C = P.C;
  if (P.uniform && y >= r && y + r < P.H && x >= r && x + r < P.W) {
    const int64_t n = (2 * r + 1) * C;  // one patch row of A and of B is contiguous
    for (int64_t dy = -r; dy <= r; ++dy) {
      const float* a = P.A + ((y + dy) * P.W + x - r) * C;
      const float* b = P.B + ((v + dy) * P.Wb + u - r) * C;
      float s = 0.f;
#pragma omp simd reduction(+ : s)
      for (int64_t k = 0; k < n; ++k) {
        const float e = a[k] - b[k];
        s += e * e;
      }
      d += s;
      if (d > cap) return d;
    }
    return d;
  }
  for (int64_t dy = -r; dy <= r; ++dy) {
    const int64_t ay = y + dy;
    if (ay < 0 || ay >= P.H) continue;
    const float* arow = P.A + (ay * P.W) * C;
    const float* wrow = P.wa + ay * P.W;
    const float* brow = P.B + ((v + dy) * P.Wb) * C;
    for (int64_t dx = -r; dx <= r; ++dx) {
      const int64_t ax = x + dx;
      if (ax < 0 || ax >= P.W) continue;
      const float w = wrow[ax];
      if (w == 0.f) continue;
      const float* a = arow + ax * C;
      const float* b = brow + (u + dx) * C;
      float s = 0.f;
      for (int64_t c = 0; c < C; ++c) {
        const float e = a[c] - b[c];
        s += e * e;
      }
      d += w * s;
    }
    if (d > cap) return d;
  }
  return d;
}

inline bool valid_b(const Problem& P, int64_t v, int64_t u) {
  return v >= 0 && v < P.Hb && u >= 0 && u < P.Wb && P.bvalid[v * P.Wb + u];
}

inline void try_candidate(const Problem& P, int64_t y, int64_t x, int64_t v, int64_t u, int32_t* best,
                          float* best_d) {
  if (!valid_b(P, v, u) || (v == best[0] && u == best[1])) return;
  const float d = patch_distance(P, y, x, v, u, *best_d);
  if (d < *best_d) {
    *best_d = d;
    best[0] = int32_t(v);
    best[1] = int32_t(u);
  }
}

// One PatchMatch sweep over the rows [y0, y1) in the given direction.
void sweep_band(const Problem& P, const int32_t* prev, int32_t* cur, float* dist, int64_t y0, int64_t y1,
                bool forward, Rng& rng) {
  const int64_t step = forward ? 1 : -1;
  const int64_t ys = forward ? y0 : y1 - 1, ye = forward ? y1 : y0 - 1;
  const int64_t xs = forward ? 0 : P.W - 1, xe = forward ? P.W : -1;
  const int64_t maxr = std::max(P.Hb, P.Wb);
  for (int64_t y = ys; y != ye; y += step) {
    for (int64_t x = xs; x != xe; x += step) {
      const int64_t i = y * P.W + x;
      if (!P.target[i]) continue;
      int32_t* best = cur + 2 * i;
      float bd = dist[i];
      // Propagation: the neighbour before us in scan order, shifted by one.
      const int64_t nx = x - step, ny = y - step;
      if (nx >= 0 && nx < P.W && P.target[y * P.W + nx]) {
        const int32_t* m = cur + 2 * (y * P.W + nx);
        try_candidate(P, y, x, m[0], m[1] + step, best, &bd);
      }
      if (ny >= 0 && ny < P.H && P.target[ny * P.W + x]) {
        const bool in_band = ny >= y0 && ny < y1;
        const int32_t* m = (in_band ? cur : prev) + 2 * (ny * P.W + x);
        try_candidate(P, y, x, m[0] + step, m[1], best, &bd);
      }
      // Random search around the current best, radius halving.
      for (int64_t rad = maxr; rad >= 1; rad /= 2) {
        const int64_t v = std::clamp<int64_t>(best[0] + rng.uniform(-rad, rad), 0, P.Hb - 1);
        const int64_t u = std::clamp<int64_t>(best[1] + rng.uniform(-rad, rad), 0, P.Wb - 1);
        try_candidate(P, y, x, v, u, best, &bd);
      }
      dist[i] = bd;
    }
  }
}

}  // namespace

// A (H,W,C) f32, B (Hb,Wb,C) f32, wa (H,W) f32, bvalid (Hb,Wb) u8, target (H,W) u8,
// nnf_init (H,W,2) i32 (invalid entries are replaced at random). Returns (nnf, dist), dist the
// weighted SSD divided by the patch's total weight (mean squared error per weighted pixel).
std::vector<torch::Tensor> patchmatch_nnf(torch::Tensor A, torch::Tensor B, torch::Tensor wa,
                                          torch::Tensor bvalid, torch::Tensor target, torch::Tensor nnf_init,
                                          int64_t patch, int64_t iterations, int64_t seed) {
  TORCH_CHECK(A.dim() == 3 && B.dim() == 3 && A.size(2) == B.size(2), "patchmatch: A, B must be (H,W,C)");
  TORCH_CHECK(A.scalar_type() == torch::kFloat32 && B.scalar_type() == torch::kFloat32 &&
                  wa.scalar_type() == torch::kFloat32, "patchmatch: float32 images and weights");
  TORCH_CHECK(bvalid.scalar_type() == torch::kUInt8 && target.scalar_type() == torch::kUInt8,
              "patchmatch: uint8 masks");
  TORCH_CHECK(nnf_init.scalar_type() == torch::kInt32 && nnf_init.dim() == 3 && nnf_init.size(2) == 2,
              "patchmatch: nnf (H,W,2) int32");
  TORCH_CHECK(patch >= 1 && patch % 2 == 1, "patchmatch: odd patch size");
  A = A.contiguous(); B = B.contiguous(); wa = wa.contiguous(); bvalid = bvalid.contiguous();
  target = target.contiguous();
  Problem P{A.data_ptr<float>(), B.data_ptr<float>(), wa.data_ptr<float>(), bvalid.data_ptr<uint8_t>(),
            target.data_ptr<uint8_t>(), A.size(0), A.size(1), B.size(0), B.size(1), A.size(2), patch / 2, {}};
  TORCH_CHECK(wa.size(0) == P.H && wa.size(1) == P.W && target.size(0) == P.H && target.size(1) == P.W &&
                  nnf_init.size(0) == P.H && nnf_init.size(1) == P.W && bvalid.size(0) == P.Hb &&
                  bvalid.size(1) == P.Wb, "patchmatch: sizes differ");
  for (int64_t i = 0; i < P.Hb * P.Wb; ++i)
    if (P.bvalid[i]) P.valid_list.push_back(i);
  P.uniform = std::all_of(P.wa, P.wa + P.H * P.W, [](float w) { return w == 1.f; });
  TORCH_CHECK(!P.valid_list.empty(), "patchmatch: no valid source patch");

  auto nnf = nnf_init.contiguous().clone();
  auto dist = torch::full({P.H, P.W}, std::numeric_limits<float>::infinity(), A.options());
  int32_t* cur = nnf.data_ptr<int32_t>();
  float* dp = dist.data_ptr<float>();
  const int64_t HW = P.H * P.W;

  // Sanitise the initial field and compute its distances.
  Rng init_rng(uint64_t(seed) * 0x2545F4914F6CDD1Dull + 1);
  for (int64_t i = 0; i < HW; ++i) {
    if (!P.target[i]) continue;
    if (!valid_b(P, cur[2 * i], cur[2 * i + 1])) {
      const int64_t j = P.valid_list[init_rng.next() % P.valid_list.size()];
      cur[2 * i] = int32_t(j / P.Wb);
      cur[2 * i + 1] = int32_t(j % P.Wb);
    }
  }
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < HW; ++i)
    if (P.target[i])
      dp[i] = patch_distance(P, i / P.W, i % P.W, cur[2 * i], cur[2 * i + 1], std::numeric_limits<float>::infinity());

  std::vector<int32_t> prev(2 * HW);
  const int64_t bands = std::min<int64_t>(kBands, std::max<int64_t>(1, P.H));
  for (int64_t it = 0; it < iterations; ++it) {
    std::copy(cur, cur + 2 * HW, prev.begin());
    const bool forward = (it % 2) == 0;
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t b = 0; b < bands; ++b) {
      const int64_t y0 = P.H * b / bands, y1 = P.H * (b + 1) / bands;
      Rng rng((uint64_t(seed) * 1000003ull + uint64_t(it)) * 7919ull + uint64_t(b) + 17ull);
      sweep_band(P, prev.data(), cur, dp, y0, y1, forward, rng);
    }
  }
  // Normalise distances by the patch weight.
  const float* w = P.wa;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < HW; ++i) {
    if (!P.target[i]) continue;
    const int64_t y = i / P.W, x = i % P.W;
    float tw = 0.f;
    for (int64_t dy = -P.r; dy <= P.r; ++dy)
      for (int64_t dx = -P.r; dx <= P.r; ++dx) {
        const int64_t ay = y + dy, ax = x + dx;
        if (ay >= 0 && ay < P.H && ax >= 0 && ax < P.W) tw += w[ay * P.W + ax];
      }
    dp[i] = tw > 0.f ? dp[i] / tw : 0.f;
  }
  return {nnf, dist};
}

// Voting (Wexler et al. 2007): every pixel flagged in `fill` becomes the weighted mean of the
// colours that the target patches covering it propose, weights exp(-(d - dmin) / (2 sigma2))
// relative to the best of them (so they never all underflow). Gathered per output pixel, so
// the result does not depend on the number of threads.
torch::Tensor patchmatch_vote(torch::Tensor B, torch::Tensor nnf, torch::Tensor dist, torch::Tensor target,
                              torch::Tensor fill, torch::Tensor A, int64_t patch, double sigma2) {
  TORCH_CHECK(B.scalar_type() == torch::kFloat32 && A.scalar_type() == torch::kFloat32, "vote: float32");
  TORCH_CHECK(nnf.scalar_type() == torch::kInt32 && dist.scalar_type() == torch::kFloat32, "vote: types");
  B = B.contiguous(); nnf = nnf.contiguous(); dist = dist.contiguous(); target = target.contiguous();
  fill = fill.contiguous();
  auto out = A.contiguous().clone();
  const int64_t H = A.size(0), W = A.size(1), C = A.size(2), Wb = B.size(1), r = patch / 2;
  const float* bp = B.data_ptr<float>();
  const int32_t* np_ = nnf.data_ptr<int32_t>();
  const float* dp = dist.data_ptr<float>();
  const uint8_t* tp = target.data_ptr<uint8_t>();
  const uint8_t* fp = fill.data_ptr<uint8_t>();
  float* op = out.data_ptr<float>();
  const float inv = sigma2 > 0 ? float(0.5 / sigma2) : 0.f;
#pragma omp parallel for schedule(dynamic, 4)
  for (int64_t y = 0; y < H; ++y) {
    std::vector<double> acc(C);
    for (int64_t x = 0; x < W; ++x) {
      if (!fp[y * W + x]) continue;
      float dmin = std::numeric_limits<float>::infinity();
      for (int64_t dy = -r; dy <= r; ++dy)
        for (int64_t dx = -r; dx <= r; ++dx) {
          const int64_t qy = y + dy, qx = x + dx;
          if (qy >= 0 && qy < H && qx >= 0 && qx < W && tp[qy * W + qx]) dmin = std::min(dmin, dp[qy * W + qx]);
        }
      std::fill(acc.begin(), acc.end(), 0.0);
      double wsum = 0.0;
      for (int64_t dy = -r; dy <= r; ++dy) {
        const int64_t qy = y + dy;
        if (qy < 0 || qy >= H) continue;
        for (int64_t dx = -r; dx <= r; ++dx) {
          const int64_t qx = x + dx;
          if (qx < 0 || qx >= W) continue;
          const int64_t q = qy * W + qx;
          if (!tp[q]) continue;
          const double arg = double(dp[q] - dmin) * inv;
          if (arg > 30.0) continue;  // weight below 1e-13: nothing to add
          const int64_t sy = np_[2 * q] - dy, sx = np_[2 * q + 1] - dx;  // source pixel for (y, x)
          const double wt = std::exp(-arg);
          const float* s = bp + (sy * Wb + sx) * C;
          for (int64_t c = 0; c < C; ++c) acc[c] += wt * s[c];
          wsum += wt;
        }
      }
      if (wsum > 0)
        for (int64_t c = 0; c < C; ++c) op[(y * W + x) * C + c] = float(acc[c] / wsum);
    }
  }
  return out;
}
