"""The text and numeric processing of ci/fuzz.sh, as tested Python (python3 from Debian).

ci/fuzz.sh orchestrates; these modules do what used to be awk inside it, and what needs a
clock or a loop that bash does badly:

  signature   a replay log -> "KIND SIGNATURE" (de-duplication) and a finding's file name
  covsummary  llvm-cov export -summary-only JSON -> coverage totals
  driver      running the standalone replay driver over a batch of files
  checker     the deep check that follows a campaign's corpora while the engines run
  minimize    a deadline-bounded minimizer that keeps the best reproducer found so far
  summary     summary.json and the finding time of a target

Run as `PYTHONPATH=ci python3 -m fuzzkit COMMAND ...`; tests: tests/fuzzkit/ (ctest -L unit).
"""
