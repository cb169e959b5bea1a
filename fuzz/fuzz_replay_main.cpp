// Replays a libFuzzer target without libFuzzer (gcc builds, CTest): runs
// LLVMFuzzerTestOneInput over every file in the corpus directory, then over
// deterministic pseudo-random mutations of them (fixed seed, so a failure
// reproduces exactly).
//
//   <target> <corpus-dir> [mutations=4000] [seed=1]
//
// A corpus dir of "-" means no corpus: only the empty input is mutated.
// Exit status 0 when every input ran; a bug aborts via a sanitizer or trap.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

using Bytes = std::vector<uint8_t>;

constexpr size_t kMaxMutantBytes = 64 * 1024;
constexpr uint8_t kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '[',  ']',  '{',  '}',
                                    '"',  ',',  ':',  '-',  '.',  '0',  '9',  'e',  0x9f,
                                    0xbf, 0xf9, 0xfb, 0x1b, 0x3b, 0x81, 0xa1, 0x61, 0xc1};

void Run(const Bytes& input) { LLVMFuzzerTestOneInput(input.data(), input.size()); }

size_t Below(std::mt19937_64& rng, size_t n) { return n == 0 ? 0 : rng() % n; }

Bytes Mutate(const std::vector<Bytes>& corpus, std::mt19937_64& rng) {
  Bytes b = corpus[Below(rng, corpus.size())];
  size_t rounds = 1 + Below(rng, 4);
  for (size_t r = 0; r < rounds; ++r) {
    size_t pos = Below(rng, b.size() + 1);
    switch (rng() % 8) {
      case 0:
        if (!b.empty()) b[Below(rng, b.size())] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:
        if (!b.empty()) b[Below(rng, b.size())] = static_cast<uint8_t>(rng());
        break;
      case 2:
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(pos),
                 kInteresting[Below(rng, std::size(kInteresting))]);
        break;
      case 3: {
        size_t len = std::min(b.size() - std::min(pos, b.size()), 1 + Below(rng, 8));
        b.erase(b.begin() + static_cast<std::ptrdiff_t>(pos),
                b.begin() + static_cast<std::ptrdiff_t>(pos + len));
        break;
      }
      case 4:
        b.resize(pos);
        break;
      case 5: {
        size_t len = std::min(b.size() - std::min(pos, b.size()), 1 + Below(rng, 32));
        Bytes chunk(b.begin() + static_cast<std::ptrdiff_t>(pos),
                    b.begin() + static_cast<std::ptrdiff_t>(pos + len));
        size_t copies = 1 + Below(rng, 16);
        for (size_t i = 0; i < copies; ++i) {
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(pos), chunk.begin(), chunk.end());
        }
        break;
      }
      case 6: {
        const Bytes& other = corpus[Below(rng, corpus.size())];
        size_t from = Below(rng, other.size() + 1);
        b.resize(pos);
        b.insert(b.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        break;
      }
      default:
        if (!b.empty()) {
          size_t i = Below(rng, b.size());
          b[i] = b[i] >= '0' && b[i] <= '9' ? static_cast<uint8_t>('0' + rng() % 10)
                                            : kInteresting[Below(rng, std::size(kInteresting))];
        }
        break;
    }
    if (b.size() > kMaxMutantBytes) b.resize(kMaxMutantBytes);
  }
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <corpus-dir> [mutations] [seed]\n", argv[0]);
    return 2;
  }
  const size_t mutations = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 4000;
  const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;

  std::vector<std::filesystem::path> files;
  const std::string dir = argv[1];
  if (dir != "-") {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    if (ec || files.empty()) {
      std::fprintf(stderr, "%s: no corpus files in %s\n", argv[0], argv[1]);
      return 2;
    }
  }
  std::sort(files.begin(), files.end());

  std::vector<Bytes> corpus = {Bytes()};
  Run(corpus.front());
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    Run(corpus.back());
  }
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < mutations; ++i) Run(Mutate(corpus, rng));
  std::printf("%s: %zu corpus files, %zu mutations (seed %llu): ok\n", argv[0], files.size(),
              mutations, static_cast<unsigned long long>(seed));
  return 0;
}
