// Test-only SQLite VFS that wraps the default one and injects storage
// faults: writes fail with SQLITE_FULL once a byte budget is spent (a full
// disk), syncs fail with SQLITE_IOERR_FSYNC (EIO on fsync). Installed as the
// process's default VFS, so the store picks it up without any hook; with no
// fault armed it is a pass-through.
#ifndef TESTS_STORE_FAULT_VFS_H_
#define TESTS_STORE_FAULT_VFS_H_

#include <cstdint>

namespace escnative::store::testing {

class FaultVfs {
 public:
  // Registers the shim as the default VFS (once per process) and disarms it.
  static FaultVfs& Install();

  // Writes fail with SQLITE_FULL once `bytes` more bytes have been written
  // (0: the next write fails). A write that would cross the budget fails
  // whole, as write(2) on a full disk fails or comes up short.
  void FailWritesAfter(int64_t bytes);
  // Every xSync fails with SQLITE_IOERR_FSYNC.
  void FailSyncs();
  // Back to a pass-through.
  void Disarm();

  int64_t write_faults() const;
  int64_t sync_faults() const;

 private:
  FaultVfs() = default;
};

}  // namespace escnative::store::testing

#endif  // TESTS_STORE_FAULT_VFS_H_
