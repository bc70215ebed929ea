#include "tests/store/fault_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace escnative::store::testing {
namespace {

constexpr int64_t kNoLimit = -1;

std::atomic<int64_t> g_write_budget{kNoLimit};  // bytes left; kNoLimit = unlimited
std::atomic<bool> g_fail_syncs{false};
std::atomic<int64_t> g_write_faults{0};
std::atomic<int64_t> g_sync_faults{0};

sqlite3_vfs* real_vfs = nullptr;

// Our file object; the real VFS's file follows it in the same allocation.
struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real;
};

sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real; }

// Spends `amount` of the write budget; false if the disk is "full".
bool TakeBudget(int64_t amount) {
  int64_t left = g_write_budget.load();
  while (left != kNoLimit) {
    if (left < amount) {
      g_write_budget.store(0);
      return false;
    }
    if (g_write_budget.compare_exchange_weak(left, left - amount)) return true;
  }
  return true;
}

int Close(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int Read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  return Real(f)->pMethods->xRead(Real(f), buf, amount, offset);
}
int Write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  if (!TakeBudget(amount)) {
    ++g_write_faults;
    return SQLITE_FULL;
  }
  return Real(f)->pMethods->xWrite(Real(f), buf, amount, offset);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (g_fail_syncs.load()) {
    ++g_sync_faults;
    return SQLITE_IOERR_FSYNC;
  }
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return Real(f)->pMethods->xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  return Real(f)->pMethods->xShmUnmap(Real(f), delete_flag);
}
// No memory-mapped I/O through the shim: every page goes through xRead/xWrite.
int Fetch(sqlite3_file*, sqlite3_int64, int, void** out) {
  *out = nullptr;
  return SQLITE_OK;
}
int Unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

sqlite3_io_methods MakeMethods() {
  sqlite3_io_methods m{};
  m.iVersion = 3;
  m.xClose = Close;
  m.xRead = Read;
  m.xWrite = Write;
  m.xTruncate = Truncate;
  m.xSync = Sync;
  m.xFileSize = FileSize;
  m.xLock = Lock;
  m.xUnlock = Unlock;
  m.xCheckReservedLock = CheckReservedLock;
  m.xFileControl = FileControl;
  m.xSectorSize = SectorSize;
  m.xDeviceCharacteristics = DeviceCharacteristics;
  m.xShmMap = ShmMap;
  m.xShmLock = ShmLock;
  m.xShmBarrier = ShmBarrier;
  m.xShmUnmap = ShmUnmap;
  m.xFetch = Fetch;
  m.xUnfetch = Unfetch;
  return m;
}
const sqlite3_io_methods kMethods = MakeMethods();

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* ff = reinterpret_cast<FaultFile*>(file);
  ff->base.pMethods = nullptr;  // SQLite calls xClose only if this is set
  ff->real = reinterpret_cast<sqlite3_file*>(ff + 1);
  const int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
  if (rc == SQLITE_OK) ff->base.pMethods = &kMethods;
  return rc;
}

}  // namespace

FaultVfs& FaultVfs::Install() {
  static FaultVfs* const instance = [] {
    real_vfs = sqlite3_vfs_find(nullptr);
    // Leaked on purpose: SQLite keeps the pointer for the process's lifetime.
    static sqlite3_vfs vfs = *real_vfs;
    vfs.zName = "esc-fault";
    vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + real_vfs->szOsFile;
    vfs.xOpen = Open;
    vfs.pNext = nullptr;
    if (sqlite3_vfs_register(&vfs, /*makeDflt=*/1) != SQLITE_OK) std::abort();
    return new FaultVfs();
  }();
  instance->Disarm();
  return *instance;
}

void FaultVfs::FailWritesAfter(int64_t bytes) { g_write_budget.store(bytes); }
void FaultVfs::FailSyncs() { g_fail_syncs.store(true); }
void FaultVfs::Disarm() {
  g_write_budget.store(kNoLimit);
  g_fail_syncs.store(false);
}
int64_t FaultVfs::write_faults() const { return g_write_faults.load(); }
int64_t FaultVfs::sync_faults() const { return g_sync_faults.load(); }

}  // namespace escnative::store::testing
