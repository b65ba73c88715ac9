/* SPDX-License-Identifier: MIT
 * collect/gcovsym.c: find and drive libgcov inside every loaded object.
 *
 * libgcov only writes data at exit() or library unload.  To save counts of
 * processes that end with _exit(), a fatal signal or exec from
 * uninstrumented code, and to reset counters a fork copied from the parent,
 * the shim needs each instrumented object's own libgcov entry points.  They
 * are not exported (docs/design.md, trap 2), so this file reads the
 * static symbol table (.symtab) of every object that dl_iterate_phdr
 * reports, from the file on disk, and keeps per object:
 *   - the dump entry: __gcov_dump_one(&__gcov_root) (GCC), else the global
 *     __gcov_dump (clang, or GCC when the program used it), else
 *     __gcov_exit;
 *   - every counter array (__gcovN.<function>, clang's __llvm_gcov_ctr*)
 *     with its size, so that a reset is a memset, whatever the GCC version.
 * A stripped object has no .symtab: its data is written at exit() only
 * (a documented limit).
 *
 * All memory comes from mmap, never malloc: this runs in signal handlers
 * and fork children.  The table is private memory, so a fork child
 * inherits it without rescanning.
 */
#define _GNU_SOURCE
#include "collect/internal.h"
#include "rundir/rundir.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_OBJECTS 1024

struct range {
	uintptr_t addr;
	size_t size;
};

struct gobj {
	uintptr_t base;          /* load bias (dlpi_addr) */
	uintptr_t dump_one;      /* __gcov_dump_one, or 0 */
	uintptr_t root;          /* __gcov_root, or 0 */
	size_t root_size;        /* bytes of __gcov_root */
	uintptr_t dump;          /* global __gcov_dump, or 0 */
	uintptr_t reset;         /* global __gcov_reset, or 0 */
	uintptr_t exit_fn;       /* __gcov_exit, or 0 */
	struct range *ranges;    /* counter arrays (mmap'd) */
	size_t nranges, cap;
	int instrumented;
	int stripped;            /* instrumented, but no .symtab to drive it */
	char name[256];          /* dlpi_name, to match on rescan */
};

static struct gobj *objs;    /* mmap'd array of MAX_OBJECTS */
static size_t nobjs;
static unsigned long long seen_adds = ~0ULL, seen_subs = ~0ULL;

static void *map_anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void add_range(struct gobj *g, uintptr_t addr, size_t size)
{
	if (g->nranges && g->ranges[g->nranges - 1].addr +
				  g->ranges[g->nranges - 1].size == addr) {
		g->ranges[g->nranges - 1].size += size;
		return;
	}
	if (g->nranges == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 256;
		struct range *r = map_anon(cap * sizeof(*r));
		if (!r)
			return;
		if (g->ranges) {
			memcpy(r, g->ranges, g->nranges * sizeof(*r));
			munmap(g->ranges, g->cap * sizeof(*r));
		}
		g->ranges = r;
		g->cap = cap;
	}
	g->ranges[g->nranges++] = (struct range){ addr, size };
}

static int is_counter_name(const char *n)
{
	if (!strncmp(n, "__llvm_gcov_ctr", 15))
		return 1;
	if (strncmp(n, "__gcov", 6) || n[6] < '0' || n[6] > '9')
		return 0;
	for (n += 6; *n >= '0' && *n <= '9'; n++)
		;
	return *n == '.';
}

static void take_symbol(struct gobj *g, const char *n, const Elf64_Sym *s)
{
	uintptr_t addr = g->base + s->st_value;
	int type = ELF64_ST_TYPE(s->st_info);

	if (s->st_shndx == SHN_UNDEF || n[0] != '_')
		return;
	if (type == STT_OBJECT && is_counter_name(n)) {
		if (s->st_size)
			add_range(g, addr, s->st_size);
		g->instrumented = 1;
	} else if (type == STT_FUNC && !strcmp(n, "__gcov_dump_one")) {
		g->dump_one = addr;
	} else if (type == STT_OBJECT && !strcmp(n, "__gcov_root")) {
		g->root = addr;
		g->root_size = s->st_size;
	} else if (type == STT_FUNC && !strcmp(n, "__gcov_dump")) {
		g->dump = addr;
	} else if (type == STT_FUNC && !strcmp(n, "__gcov_reset")) {
		g->reset = addr;
	} else if (type == STT_FUNC && !strcmp(n, "__gcov_exit")) {
		g->exit_fn = addr;
	}
}

/* Does the .rodata section of IMG hold the string NEEDLE? */
static int has_rodata_string(const unsigned char *img, size_t size,
			     const Elf64_Ehdr *eh, const Elf64_Shdr *sh,
			     const char *needle)
{
	const Elf64_Shdr *names;

	if (eh->e_shstrndx >= eh->e_shnum)
		return 0;
	names = &sh[eh->e_shstrndx];
	if (names->sh_offset > size || names->sh_size > size - names->sh_offset)
		return 0;
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_name >= names->sh_size || sh[i].sh_offset > size ||
		    sh[i].sh_size > size - sh[i].sh_offset ||
		    sh[i].sh_type != SHT_PROGBITS)
			continue;
		const char *n = (const char *)img + names->sh_offset +
				sh[i].sh_name;
		if (strncmp(n, ".rodata", 8))
			continue;
		return memmem(img + sh[i].sh_offset, sh[i].sh_size, needle,
			      strlen(needle) + 1) != NULL;
	}
	return 0;
}

/* Read the .symtab of the mapped ELF file IMG (SIZE bytes) into G. */
static void scan_symtab(struct gobj *g, const unsigned char *img, size_t size)
{
	const Elf64_Ehdr *eh = (const void *)img;
	const Elf64_Shdr *sh;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff > size ||
	    (size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum)
		return;
	sh = (const void *)(img + eh->e_shoff);
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
			continue;
		const Elf64_Shdr *st = &sh[sh[i].sh_link];
		if (sh[i].sh_offset > size ||
		    sh[i].sh_size > size - sh[i].sh_offset ||
		    st->sh_offset > size || st->sh_size > size - st->sh_offset)
			return;
		const Elf64_Sym *syms = (const void *)(img + sh[i].sh_offset);
		size_t nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
		const char *strs = (const char *)img + st->sh_offset;
		for (size_t k = 0; k < nsyms; k++) {
			if (syms[k].st_name >= st->sh_size)
				continue;
			const char *n = strs + syms[k].st_name;
			if (n[0] == '_' && n[1] == '_' &&
			    memchr(n, '\0', st->sh_size - syms[k].st_name))
				take_symbol(g, n, &syms[k]);
		}
		return;
	}
	/* No .symtab: stripped.  libgcov's getenv("GCOV_PREFIX") leaves its
	 * name in .rodata, which tells an instrumented object apart. */
	g->stripped = g->instrumented = has_rodata_string(img, size, eh, sh,
							  "GCOV_PREFIX");
}

/* ---- the run's cache of objects without instrumented code -------------
 * Every exec'd image would otherwise read the symbol table (or, stripped,
 * the .rodata) of libc and every other library it loads: the first image
 * that finds an object without libgcov enters it, by device, inode, size
 * and change time, in the table the counter file holds (rundir.h); the
 * next ones stat() it and skip it.  Entries are published with one atomic
 * store of their check word; an entry half written by an image that died
 * never matches. */
#define CACHE_PROBES 8
static struct rundir_object *hot, *cache;

void gcovsym_use_cache(void *hot_slots, void *slots)
{
	hot = hot_slots;
	cache = slots;
}

static struct rundir_object object_key(const struct stat *st)
{
	struct rundir_object k = {
		(uint64_t)st->st_dev, (uint64_t)st->st_ino,
		(uint64_t)st->st_size,
		(uint64_t)st->st_ctim.tv_sec * 1000000000u +
			(uint64_t)st->st_ctim.tv_nsec, 0
	};

	k.check = rundir_object_check(&k);
	return k;
}

static int same_object(const struct rundir_object *a,
		       const struct rundir_object *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->ctime_ns == b->ctime_ns;
}

/* Is K in entry E: 1 yes, -1 no and E is the first of its kind never
 * claimed (nothing is after it), 0 no. */
static int entry_has(struct rundir_object *e, const struct rundir_object *k)
{
	uint64_t check = __atomic_load_n(&e->check, __ATOMIC_ACQUIRE);

	if (check == 0)
		return -1;
	return check == k->check && same_object(e, k);
}

/* Enter K in entry E if E is free: 1 when E holds K now (or did), 0 when
 * E belongs to another object (or to an image that died writing it). */
static int entry_add(struct rundir_object *e, const struct rundir_object *k)
{
	uint64_t seen = 0;

	if (!__atomic_compare_exchange_n(&e->check, &seen, 1, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return seen == k->check && same_object(e, k);
	e->dev = k->dev;
	e->ino = k->ino;
	e->size = k->size;
	e->ctime_ns = k->ctime_ns;
	__atomic_store_n(&e->check, k->check, __ATOMIC_RELEASE);
	return 1;
}

static struct rundir_object *cache_slot(const struct rundir_object *k,
					size_t probe)
{
	return &cache[(k->check / 4 + probe) % RUNDIR_OBJECTS_SLOTS];
}

/* The first page's entries are claimed in order and cache_add goes to
 * the probes only once every one is claimed: a free one ends the search
 * (without a page of the probes to fault in). */
static int cache_has(const struct rundir_object *k)
{
	int r;

	for (size_t i = 0; hot && i < RUNDIR_HOT_SLOTS; i++)
		if ((r = entry_has(&hot[i], k)) != 0)
			return r == 1;
	for (size_t i = 0; cache && i < CACHE_PROBES; i++)
		if ((r = entry_has(cache_slot(k, i), k)) != 0)
			return r == 1;
	return 0;
}

static void cache_add(const struct rundir_object *k)
{
	for (size_t i = 0; hot && i < RUNDIR_HOT_SLOTS; i++)
		if (entry_add(&hot[i], k))
			return;
	for (size_t i = 0; cache && i < CACHE_PROBES; i++)
		if (entry_add(cache_slot(k, i), k))
			return;
}

/* Only a file whose change time is well past is entered (git's "racily
 * clean" rule): a file system may keep change times in whole seconds or
 * timer ticks, and a file replaced by another of the same size within one
 * such step (an inode number is often reused at once) would keep its key.
 * Once an image has entered a file older than the step, a replacement
 * gets a later change time.  A change time of a whole second may be such
 * a file system's (FAT keeps 2-second steps): such a file must be a
 * minute old.  A whole-second change time is also what system files of
 * a disk image built with whole-second times have, on a file system that
 * keeps nanoseconds: never entering them made every exec'd image read
 * libc again. */
#define CACHE_SETTLED_NS 2000000000LL
#define CACHE_SETTLED_COARSE_NS 60000000000LL

static int settled(const struct stat *st)
{
	struct timespec now;
	int64_t age;

	if (clock_gettime(CLOCK_REALTIME, &now))
		return 0;
	age = (int64_t)(now.tv_sec - st->st_ctim.tv_sec) * 1000000000LL +
	      (now.tv_nsec - st->st_ctim.tv_nsec);
	return age > (st->st_ctim.tv_nsec ? CACHE_SETTLED_NS
					  : CACHE_SETTLED_COARSE_NS);
}

static int found_gcov(const struct gobj *g)
{
	return g->instrumented || g->exit_fn || g->dump || g->dump_one ||
	       g->reset || g->root;
}

/* ---- leaf programs ---------------------------------------------------
 * A program whose image can neither run instrumented code nor start
 * another image runs without the shim (docs/run-directory.md, "Untraced
 * images"): the image that execs it records it.  Decided once per run,
 * from the executable's file, by the first image that scans it, when no
 * object of that image is instrumented: the program loads only glibc's
 * own libraries, from the system's directories (no RPATH or RUNPATH),
 * imports nothing that starts a process or loads code (NSS lookups load
 * modules), makes no system call of its own (Go's runtime does: its
 * children would lose the shim), and holds no libgcov (a .symtab without
 * its symbols: "GCOV_PREFIX" in .rodata). */
static const char *const leaf_libraries[] = {
	"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2",
	"librt.so.1", "libresolv.so.2", "libutil.so.1", "libanl.so.1",
	"libmvec.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", NULL
};
static const char *const leaf_denied[] = {
	"fork", "_Fork", "__fork", "__libc_fork", "vfork", "__vfork",
	"clone", "__clone", "clone3", "execve", "execv", "execvp", "execvpe",
	"execl", "execlp", "execle", "fexecve", "execveat", "posix_spawn",
	"posix_spawnp", "pidfd_spawn", "pidfd_spawnp", "system",
	"__libc_system", "popen", "_IO_popen", "daemon", "wordexp",
	"forkpty", "dlopen", "dlmopen", "dlsym", "dlvsym", "syscall",
	"ptrace", "process_vm_writev", "iconv_open", "initgroups",
	"innetgr", "setnetgrent", NULL
};
/* Prefixes of the NSS lookups (getpwnam, getgrgid_r, getaddrinfo, ...),
 * which load modules through libc's own dlopen. */
static const char *const leaf_denied_prefixes[] = {
	"getpw", "getgr", "getsp", "gethost", "getaddrinfo", "getnameinfo",
	"getserv", "getproto", "getnet", "getrpc", "ether_", "getaliasby",
	"getpublickey", "getsecretkey", "__nss_", NULL
};

static int listed(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return 1;
	return 0;
}

static int denied(const char *name)
{
	for (const char *const *p = leaf_denied_prefixes; *p; p++)
		if (!strncmp(name, *p, strlen(*p)))
			return 1;
	return listed(name, leaf_denied);
}

/* The number of entries of ENTSIZE bytes the section SH of IMG (SIZE
 * bytes) holds, in bounds; else 0. */
static size_t section_entries(const Elf64_Shdr *sh, size_t size,
			      size_t entsize)
{
	if (sh->sh_offset > size || sh->sh_size > size - sh->sh_offset)
		return 0;
	return sh->sh_size / entsize;
}

/* The NUL-terminated string at OFF of the string table section STR, or
 * NULL. */
static const char *table_string(const unsigned char *img, size_t size,
				const Elf64_Shdr *str, uint64_t off)
{
	if (str->sh_offset > size || str->sh_size > size - str->sh_offset ||
	    off >= str->sh_size ||
	    !memchr(img + str->sh_offset + off, '\0', str->sh_size - off))
		return NULL;
	return (const char *)img + str->sh_offset + off;
}

/* The sections the loader reads: .dynamic where PT_DYNAMIC says, and
 * the .dynsym there is. */
struct leaf_sections {
	const Elf64_Shdr *dynamic, *dynsym;
};

/* .dynsym and its strings are the ones the DT_SYMTAB and DT_STRTAB of
 * LS->dynamic name; each DT_NEEDED is one of glibc's libraries; no
 * DT_RPATH, DT_RUNPATH or audit library. */

static int leaf_dynamic(const unsigned char *img, size_t size,
			const Elf64_Shdr *sh, unsigned nsh,
			struct leaf_sections *ls)
{
	const Elf64_Shdr *dyn = ls->dynamic;
	size_t n = section_entries(dyn, size, sizeof(Elf64_Dyn));
	const Elf64_Dyn *d = (const void *)(img + dyn->sh_offset);
	uint64_t symtab = 0, strtab = 0;

	if (!n || dyn->sh_link >= nsh)
		return 0;
	for (size_t i = 0; i < n && d[i].d_tag != DT_NULL; i++) {
		const char *name;
		switch (d[i].d_tag) {
		case DT_SYMTAB: symtab = d[i].d_un.d_ptr; break;
		case DT_STRTAB: strtab = d[i].d_un.d_ptr; break;
		case DT_NEEDED:
			name = table_string(img, size, &sh[dyn->sh_link],
					    d[i].d_un.d_val);
			if (!name || !listed(name, leaf_libraries))
				return 0;
			break;
		case DT_RPATH: case DT_RUNPATH: case DT_AUDIT:
		case DT_DEPAUDIT:
			return 0;
		default:
			break;
		}
	}
	return ls->dynsym && ls->dynsym->sh_addr == symtab &&
	       ls->dynsym->sh_link < nsh &&
	       sh[ls->dynsym->sh_link].sh_addr == strtab &&
	       dyn->sh_link == ls->dynsym->sh_link;
}

/* No symbol the .dynsym section SH imports is denied. */
static int leaf_imports(const unsigned char *img, size_t size,
			const Elf64_Shdr *shs, const Elf64_Shdr *sh)
{
	size_t n = section_entries(sh, size, sizeof(Elf64_Sym));
	const Elf64_Sym *sym = (const void *)(img + sh->sh_offset);

	for (size_t i = 1; i < n; i++) {
		const char *name;
		if (sym[i].st_shndx != SHN_UNDEF)
			continue;
		name = table_string(img, size, &shs[sh->sh_link], sym[i].st_name);
		if (!name || denied(name))
			return 0;
	}
	return n > 0;
}

/* Whether the executable segments of IMG hold a system call instruction
 * (or bytes that look like one: then the program is simply traced). */
static int makes_system_calls(const unsigned char *img, size_t size,
			      const Elf64_Phdr *ph, unsigned n)
{
#if defined(__x86_64__)
	static const unsigned char calls[][2] = { { 0x0f, 0x05 },
						  { 0x0f, 0x34 },
						  { 0xcd, 0x80 } };
#elif defined(__aarch64__)
	static const unsigned char calls[][4] = { { 0x01, 0x00, 0x00, 0xd4 } };
#else
	return 1; /* unknown machine: never a leaf */
#endif
	for (unsigned i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_X))
			continue;
		if (ph[i].p_offset > size || ph[i].p_filesz > size - ph[i].p_offset)
			return 1;
		for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++)
			if (memmem(img + ph[i].p_offset, ph[i].p_filesz,
				   calls[c], sizeof(calls[c])))
				return 1;
	}
	return 0;
}

/* Whether the executable file IMG (SIZE bytes) is a leaf program, as
 * above.  Any doubt: 0. */
static int leaf_program(const unsigned char *img, size_t size)
{
	const Elf64_Ehdr *eh = (const void *)img;
	const Elf64_Phdr *ph, *dynamic = NULL;
	const Elf64_Shdr *sh;
	struct leaf_sections ls = { NULL, NULL };
	int interp = 0;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof(*ph) || eh->e_phoff > size ||
	    (size - eh->e_phoff) / sizeof(*ph) < eh->e_phnum ||
	    eh->e_shentsize != sizeof(*sh) || eh->e_shoff > size ||
	    (size - eh->e_shoff) / sizeof(*sh) < eh->e_shnum)
		return 0;
	ph = (const void *)(img + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		interp |= ph[i].p_type == PT_INTERP;
		if (ph[i].p_type == PT_DYNAMIC)
			dynamic = &ph[i];
	}
	if (!interp || !dynamic ||
	    makes_system_calls(img, size, ph, eh->e_phnum))
		return 0;
	sh = (const void *)(img + eh->e_shoff);
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_DYNAMIC &&
		    sh[i].sh_offset == dynamic->p_offset &&
		    sh[i].sh_size == dynamic->p_filesz)
			ls.dynamic = &sh[i];
		else if (sh[i].sh_type == SHT_DYNSYM)
			ls.dynsym = &sh[i];
	}
	return ls.dynamic &&
	       leaf_dynamic(img, size, sh, eh->e_shnum, &ls) &&
	       leaf_imports(img, size, sh, ls.dynsym) &&
	       !has_rodata_string(img, size, eh, sh, "GCOV_PREFIX");
}

/* The cache entry that says "leaf program" of the file ST: its key with
 * the top bit of the size set (no file is that large). */
static struct rundir_object leaf_key(const struct stat *st)
{
	struct rundir_object k = object_key(st);

	k.size |= (uint64_t)1 << 63;
	k.check = rundir_object_check(&k);
	return k;
}

/* The executable's file when the scan found it a leaf program: entered
 * once every object of the image is scanned and none is instrumented. */
static struct stat leaf_candidate;

int gcovsym_leaf_file(const struct stat *st)
{
	struct rundir_object key = leaf_key(st);

	return cache && cache_has(&key);
}

/* The executable as the shim found it by the path it was run by
 * (gcovsym_exe_file), or st_ino 0. */
static struct stat exe_file;

void gcovsym_exe_file(const struct stat *st)
{
	exe_file = *st;
}

/* Scan the object file PATH into G, unless the cache knows it has no
 * instrumented code.  The executable is looked up by exe_file first:
 * stat("/proc/self/exe") is the first /proc lookup of a new process,
 * which costs it tens of microseconds.  Only "no instrumented code" is
 * decided that way; a scan always reads /proc/self/exe, the file that is
 * mapped. */
static void scan_file(struct gobj *g, const char *path)
{
	struct stat st;
	struct rundir_object key;
	int fd;

	if (cache && !g->name[0] && exe_file.st_ino &&
	    (key = object_key(&exe_file), cache_has(&key)))
		return;
	if (cache && stat(path, &st) == 0 && (key = object_key(&st),
					       cache_has(&key)))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		void *img = mmap(NULL, (size_t)st.st_size, PROT_READ,
				 MAP_PRIVATE, fd, 0);
		if (img != MAP_FAILED) {
			scan_symtab(g, img, (size_t)st.st_size);
			if (!found_gcov(g) && settled(&st)) {
				key = object_key(&st);
				cache_add(&key);
				if (!g->name[0] &&
				    leaf_program(img, (size_t)st.st_size))
					leaf_candidate = st;
			}
			munmap(img, (size_t)st.st_size);
		}
	}
	close(fd);
}

/* Objects that never hold instrumented code, known without reading them:
 * the dynamic loader, the vdso, and the shim itself (the static runtime
 * is part of the program, which is the one object there). */
static int known_plain(const struct dl_phdr_info *info)
{
#ifndef COVRUN_RUNTIME
	uintptr_t self = (uintptr_t)&gcovsym_refresh;
	unsigned long interp = getauxval(AT_BASE);
	unsigned long vdso = getauxval(AT_SYSINFO_EHDR);

	if ((interp && info->dlpi_addr == interp) ||
	    (vdso && info->dlpi_addr == vdso))
		return 1;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && self >= start &&
		    self - start < ph->p_memsz)
			return 1;
	}
#else
	(void)info;
#endif
	return 0;
}

static struct gobj *find_old(uintptr_t base, const char *name, size_t old_n,
			     struct gobj *old)
{
	for (size_t i = 0; i < old_n; i++)
		if (old[i].base == base && !strcmp(old[i].name, name))
			return &old[i];
	return NULL;
}

struct scan_state {
	struct gobj *next;  /* new table being built */
	size_t n;
	struct gobj *old;
	size_t old_n;
};

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
	struct scan_state *s = data;
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	struct gobj *g, *prev;

	(void)size;
	if (s->n == MAX_OBJECTS)
		return 1;
	if (name[0] == '\0' && s->n > 0)
		return 0; /* vdso and friends: only the first "" is the exe */
	g = &s->next[s->n];
	prev = find_old(info->dlpi_addr, name, s->old_n, s->old);
	if (prev) {
		*g = *prev;
		prev->ranges = NULL; /* ownership moves to the new table */
	} else {
		memset(g, 0, sizeof(*g));
		g->base = info->dlpi_addr;
		strncpy(g->name, name, sizeof(g->name) - 1);
		if (!known_plain(info))
			scan_file(g, name[0] ? name : "/proc/self/exe");
	}
	s->n++;
	return 0;
}

static int counts_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	unsigned long long *counts = data;

	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) +
			    sizeof(info->dlpi_subs)) {
		counts[0] = info->dlpi_adds;
		counts[1] = info->dlpi_subs;
	}
	return 1; /* the counters are the same for every object */
}

void gcovsym_refresh(void)
{
	struct scan_state s = { 0 };
	struct gobj *old = objs;
	unsigned long long adds = 0, subs = 0;

	/* dlpi_adds/dlpi_subs change whenever an object is (un)loaded. */
	unsigned long long counts[2] = { 0, 0 };
	dl_iterate_phdr(counts_cb, counts);
	adds = counts[0];
	subs = counts[1];
	if (objs && adds == seen_adds && subs == seen_subs)
		return;
	s.next = map_anon(MAX_OBJECTS * sizeof(struct gobj));
	if (!s.next)
		return;
	s.old = old;
	s.old_n = nobjs;
	dl_iterate_phdr(visit, &s);
	for (size_t i = 0; old && i < nobjs; i++)
		if (old[i].ranges)
			munmap(old[i].ranges, old[i].cap * sizeof(struct range));
	if (old)
		munmap(old, MAX_OBJECTS * sizeof(struct gobj));
	objs = s.next;
	nobjs = s.n;
	seen_adds = adds;
	seen_subs = subs;
	if (leaf_candidate.st_ino && !gcovsym_instrumented()) {
		struct rundir_object key = leaf_key(&leaf_candidate);
		cache_add(&key);
	}
	leaf_candidate.st_ino = 0;
}

int gcovsym_instrumented(void)
{
	for (size_t i = 0; i < nobjs; i++)
		if (objs[i].instrumented || objs[i].exit_fn)
			return 1;
	return 0;
}

struct pc_query {
	uintptr_t pc, base;
	int found;
};

static int contains_pc(struct dl_phdr_info *info, size_t size, void *data)
{
	struct pc_query *q = data;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && q->pc >= start &&
		    q->pc - start < ph->p_memsz) {
			q->base = info->dlpi_addr;
			q->found = 1;
			return 1;
		}
	}
	return 0;
}

int gcovsym_instrumented_at(const void *pc)
{
	struct pc_query q = { (uintptr_t)pc, 0, 0 };

	dl_iterate_phdr(contains_pc, &q);
	if (!q.found)
		return 1;
	for (size_t i = 0; i < nobjs; i++)
		if (objs[i].base == q.base)
			return objs[i].instrumented || objs[i].exit_fn;
	return 0;
}

const char *gcovsym_stripped(size_t i)
{
	for (size_t k = 0; k < nobjs; k++)
		if (objs[k].stripped && i-- == 0)
			return objs[k].name;
	return NULL;
}

void gcovsym_dump_all(void)
{
	for (size_t i = 0; i < nobjs; i++) {
		struct gobj *g = &objs[i];
		if (g->dump_one && g->root) {
			/* An empty list (struct gcov_root starts with it):
			 * __gcov_init has not run, so the object is still being
			 * loaded (a signal inside dlopen), perhaps not yet
			 * relocated, and has counted nothing. */
			if (!*(void *const *)g->root)
				continue;
			((void (*)(void *))g->dump_one)((void *)g->root);
		} else if (g->dump) {
			/* clang: each object carries its own runtime copy */
			((void (*)(void))g->dump)();
		} else if (g->exit_fn) {
			((void (*)(void))g->exit_fn)();
		}
	}
}

void gcovsym_reset_all(void)
{
	for (size_t i = 0; i < nobjs; i++) {
		struct gobj *g = &objs[i];
		for (size_t r = 0; r < g->nranges; r++)
			memset((void *)g->ranges[r].addr, 0,
			       g->ranges[r].size);
		/* struct gcov_root { info *list; unsigned dumped : 1,
		 * run_counted : 1; root *next, *prev; }: clear "dumped" so
		 * this process writes its own data at exit. */
		if (g->root && g->root_size == 32) {
			unsigned *flags = (unsigned *)(g->root + 8);
			*flags &= ~1u;
		}
		if (!g->root && g->reset)
			((void (*)(void))g->reset)();
	}
}

void gcovsym_skip_dumps(void)
{
	for (size_t i = 0; i < nobjs; i++) {
		struct gobj *g = &objs[i];
		/* the "dumped" bit of struct gcov_root (see above) */
		if (g->root && g->root_size == 32) {
			unsigned *flags = (unsigned *)(g->root + 8);
			*flags |= 1u;
		}
	}
}
