/*
 * host_oracle.c - run single x86 instructions natively (32-bit user mode)
 * and report the resulting register/flag state, for differential testing
 * of the pcemu CPU core against real silicon.
 *
 * Build:  gcc -m32 -O2 -o host_oracle host_oracle.c
 * Usage:  host_oracle < records.bin > results.bin
 *         host_oracle --selftest
 *
 * ------------------------------------------------------------------------
 * PROTOCOL (binary, little-endian, stdin -> stdout, batch or lock-step)
 *
 * Input: a stream of fixed 64-byte records
 *   off  0      u8   n = number of instruction bytes (1..16; 0 = execute
 *                    nothing, i.e. just round-trip the state)
 *   off  1..16  u8[16] instruction bytes (unused bytes zero).  They must
 *                    be exactly ONE complete instruction: the bytes are
 *                    executed in place, so extra bytes run as further
 *                    instructions and a truncated instruction swallows the
 *                    oracle's own following jmp (nothing can detect that
 *                    cheaply).  Length > 16 -> status 256 (refused).
 *   off 17..19  padding (zero)
 *   off 20      u32  EAX
 *   off 24      u32  ECX
 *   off 28      u32  EDX
 *   off 32      u32  EBX
 *   off 36      u32  ESI
 *   off 40      u32  EDI
 *   off 44      u32  EFLAGS in; only CF PF AF ZF SF OF DF (mask 0x0CD5)
 *                    are taken from it, every other bit comes from the
 *                    process's own EFLAGS (normally 0x202: bit 1 and IF);
 *                    TF is always 0.
 *   off 48..63  zero (ignored)
 *   ESP and EBP are not part of the test state (while the instruction runs
 *   both equal 0x0F008000, a private scratch stack; see STUB_STACK_ADDR).
 *
 * Output: one fixed 32-byte record per input record, in order
 *   off  0 EAX, 4 ECX, 8 EDX, 12 EBX, 16 ESI, 20 EDI   (u32 each)
 *   off 24      u32  EFLAGS after, exactly as PUSHFD stores it (so bit 1
 *                    and IF (0x200) are set; RF/VM read as 0)
 *   off 28      u32  status: 0 = ok
 *                    1..64 = the signal the instruction raised
 *                      (SIGFPE=8 for #DE, SIGILL=4 for #UD, SIGSEGV=11 for
 *                      #GP/#PF, SIGBUS=7, SIGTRAP=5 for INT3/INT1)
 *                    256 = REFUSED: the bytes look like a control transfer,
 *                      a system call or a segment-register load, which
 *                      would wreck the oracle; nothing was executed and the
 *                      registers/flags are echoed back unchanged
 *                      (flags = the effective input flags).  Also used
 *                      for a record that is nothing but prefixes.
 *   Scope: register-only instructions.  Memory operands are not protected
 *   against (a store through a register that happens to point at the
 *   oracle's data would corrupt it); ESP/EBP-relative ones land in a
 *   private scratch stack, and PUSH/POP/ENTER/LEAVE/PUSHA/POPA are safe.
 *   Undefined flags are whatever THIS host CPU produces (AMD and Intel
 *   differ, e.g. MUL's SF/ZF/PF, multi-bit shift OF, BSF/BSR with 0 source).
 *   On a signal the registers and EFLAGS are taken from the signal context
 *   (ucontext).  For faults (#DE, #UD, #GP ...) that is the state *before*
 *   the instruction, i.e. the input values, because a faulting instruction
 *   does not commit; for traps (INT3) it is the state after.  The context
 *   EFLAGS may carry RF (bit 16), which PUSHFD never shows; it is cleared
 *   in the output so the field means the same thing in both cases.
 *
 * Input is consumed with read(), so a test may also send one record at a
 *   time and wait for its 32-byte answer (lock-step); each batch of results
 *   is written as soon as the complete records received so far are done.
 * ------------------------------------------------------------------------
 *
 * How it works: one anonymous RWX page holds a stub
 *     push ebp/ebx/esi/edi ; mov [saved_esp],esp
 *     mov esp,[stub_sp] ; mov ebp,[stub_sp]     (private 64 KiB stack)
 *     push [in_flags] ; popfd ; mov eax..edi,[in_*]
 *     <instruction bytes> ; jmp epilogue
 *   epilogue:
 *     mov [out_*],eax..edi ; mov esp,[saved_esp]
 *     pushfd ; pop [out_flags] ; push [base_flags] ; popfd
 *     pop edi/esi/ebx/ebp ; ret
 *   Only the instruction bytes and the jmp are rewritten per record.  ESP is
 *   restored from memory, so an instruction that moves ESP is harmless, and
 *   EFLAGS is reset to the process's normal value (DF=0 as the ABI wants).
 *   A fault is handled by a SA_SIGINFO handler running on an alternate
 *   stack: it copies the context registers into the result, records the
 *   signal number, and redirects the context EIP/ESP to a "fault exit"
 *   sequence in the page that restores the callee-saved registers and
 *   returns to the C caller.  (This is cheaper than siglongjmp, which
 *   would cost extra sigprocmask system calls per fault.)  A signal whose
 *   EIP is outside the stub page is a genuine oracle bug: the default
 *   action is reinstated and the process dies loudly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#if !defined(__i386__)
#error "host_oracle must be built with gcc -m32"
#endif

#define IN_REC 64
#define OUT_REC 32
#define STATUS_REFUSED 256u
#define ARITH_MASK 0x0CD5u /* CF PF AF ZF SF DF OF */
#define EFL_TF 0x0100u
#define EFL_RF 0x10000u

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESI, R_EDI, R_NREGS };

/* Shared with the generated code via absolute addresses. */
struct cpu_io {
    uint32_t in[R_NREGS];
    uint32_t in_flags;
    uint32_t out[R_NREGS];
    uint32_t out_flags;
    uint32_t saved_esp;
    uint32_t base_flags;
    uint32_t status;
    uint32_t stub_sp;     /* ESP/EBP while the instruction runs */
};
/* Private stack for the instruction under test, so PUSH/POP/ENTER or a
 * stray [esp+x]/[ebp+x] store cannot damage the C stack.  It is mapped at
 * a fixed address when possible so that results of instructions that read
 * ESP/EBP are reproducible from run to run despite ASLR: ESP = EBP =
 * STUB_STACK_ADDR + 0x8000 = 0x0F008000 when the instruction starts.  ESP
 * starts in the middle so small positive and negative offsets both stay
 * inside. */
#define STUB_STACK_ADDR 0x0F000000u
#define STUB_STACK_SIZE 0x10000u
struct cpu_io io __attribute__((aligned(64)));

static uint8_t *page;
static uint32_t instr_off;    /* where the instruction bytes go */
static uint32_t epilogue_off;
static uint32_t fault_exit_off;
#define PAGE_SIZE_ 4096u

/* ---------------------------------------------------------------- codegen */

static uint32_t emit_pos;
static void emit8(uint8_t b) { page[emit_pos++] = b; }
static void emit32(uint32_t v) { memcpy(page + emit_pos, &v, 4); emit_pos += 4; }
static uint32_t A(volatile void *p) { return (uint32_t)(uintptr_t)p; }

/* modrm reg field for each of our register slots (EAX ECX EDX EBX ESI EDI) */
static const uint8_t reg_code[R_NREGS] = { 0, 1, 2, 3, 6, 7 };

static void build_stub(void)
{
    emit_pos = 0;
    /* prologue */
    emit8(0x55); emit8(0x53); emit8(0x56); emit8(0x57);      /* push ebp,ebx,esi,edi */
    emit8(0x89); emit8(0x25); emit32(A(&io.saved_esp));       /* mov [saved_esp],esp */
    emit8(0x8B); emit8(0x25); emit32(A(&io.stub_sp));         /* mov esp,[stub_sp] (private stack) */
    emit8(0x8B); emit8(0x2D); emit32(A(&io.stub_sp));         /* mov ebp,[stub_sp] */
    emit8(0xFF); emit8(0x35); emit32(A(&io.in_flags));        /* push dword [in_flags] */
    emit8(0x9D);                                              /* popfd */
    for (int r = 0; r < R_NREGS; r++) {                       /* mov reg,[in_r] */
        emit8(0x8B); emit8((uint8_t)(0x05 | (reg_code[r] << 3))); emit32(A(&io.in[r]));
    }
    instr_off = emit_pos;

    /* epilogue (fixed place, reached by jmp rel32 placed after the instruction) */
    epilogue_off = 128;
    emit_pos = epilogue_off;
    for (int r = 0; r < R_NREGS; r++) {                       /* mov [out_r],reg */
        emit8(0x89); emit8((uint8_t)(0x05 | (reg_code[r] << 3))); emit32(A(&io.out[r]));
    }
    emit8(0x8B); emit8(0x25); emit32(A(&io.saved_esp));       /* mov esp,[saved_esp] */
    emit8(0x9C);                                              /* pushfd */
    emit8(0x8F); emit8(0x05); emit32(A(&io.out_flags));       /* pop dword [out_flags] */
    emit8(0xFF); emit8(0x35); emit32(A(&io.base_flags));      /* push dword [base_flags] */
    emit8(0x9D);                                              /* popfd */
    emit8(0x5F); emit8(0x5E); emit8(0x5B); emit8(0x5D);      /* pop edi,esi,ebx,ebp */
    emit8(0xC3);                                              /* ret */

    /* fault exit: the signal handler points EIP here (ESP = saved_esp) */
    fault_exit_off = 192;
    emit_pos = fault_exit_off;
    emit8(0xFF); emit8(0x35); emit32(A(&io.base_flags));      /* push dword [base_flags] */
    emit8(0x9D);                                              /* popfd */
    emit8(0x5F); emit8(0x5E); emit8(0x5B); emit8(0x5D);      /* pop edi,esi,ebx,ebp */
    emit8(0xC3);                                              /* ret */
}

static void place_instruction(const uint8_t *bytes, unsigned n)
{
    uint8_t *p = page + instr_off;
    memcpy(p, bytes, n);
    p += n;
    uint32_t next = instr_off + n + 5;
    int32_t rel = (int32_t)(epilogue_off - next);
    p[0] = 0xE9;                                              /* jmp rel32 */
    memcpy(p + 1, &rel, 4);
}

/* ------------------------------------------------------------ safety net */

/* Returns nonzero if the instruction must not be executed: control
 * transfers (would leave the stub), system calls, and segment-register
 * loads (would break DS/ES/GS=TLS for the C code).  This is a coarse
 * filter; the intended inputs (register-form ALU ops) never trip it. */
static int refuse(const uint8_t *b, unsigned n)
{
    unsigned i = 0;
    while (i < n) {
        switch (b[i]) {
        case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65:
        case 0x66: case 0x67: case 0xF0: case 0xF2: case 0xF3:
            i++;
            continue;
        }
        break;
    }
    if (i >= n)                         /* only prefixes: would merge with our jmp */
        return n != 0;                  /* (n == 0 runs nothing: state round trip) */
    uint8_t op = b[i];
    uint8_t m = (i + 1 < n) ? b[i + 1] : 0; /* next byte (modrm or 0F opcode) */
    int has_m = i + 1 < n;
    if (op >= 0x70 && op <= 0x7F) return 1;                   /* Jcc short */
    if (op >= 0xE0 && op <= 0xE3) return 1;                   /* LOOPcc/JCXZ */
    switch (op) {
    case 0xE8: case 0xE9: case 0xEA: case 0xEB:               /* call/jmp */
    case 0xC2: case 0xC3: case 0xCA: case 0xCB: case 0xCF:    /* ret/iret */
    case 0x9A:                                                /* call far */
    case 0x07: case 0x17: case 0x1F:                          /* pop es/ss/ds */
    case 0x8E:                                                /* mov sreg */
    case 0x9D:                                                /* popf (TF/AC) */
        return 1;
    case 0xCD:                                                /* int n: 0x80 = syscall */
        return !has_m || m == 0x80;
    case 0xFF: {                                              /* call/jmp indirect, near/far */
        unsigned reg = (m >> 3) & 7;
        return !has_m || (reg >= 2 && reg <= 5);
    }
    case 0xC4: case 0xC5:                                     /* LES/LDS (mod!=3), else VEX */
        return !has_m || (m >> 6) != 3;
    case 0x0F:
        if (!has_m) return 0;
        if (m >= 0x80 && m <= 0x8F) return 1;                 /* Jcc near */
        switch (m) {
        case 0x05: case 0x07: case 0x34: case 0x35:           /* syscall/sysret/sysenter/sysexit */
        case 0xA1: case 0xA9:                                 /* pop fs/gs */
        case 0xB2: case 0xB4: case 0xB5:                      /* lss/lfs/lgs */
            return 1;
        }
        return 0;
    }
    return 0;
}

/* --------------------------------------------------------------- signals */

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
    (void)si;
    ucontext_t *uc = (ucontext_t *)ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    uint32_t eip = (uint32_t)g[REG_EIP];
    if (eip < A(page) || eip >= A(page) + PAGE_SIZE_) {
        /* Not ours: crash for real (the faulting instruction re-executes). */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(sig, &dfl, NULL);
        return;
    }
    io.out[R_EAX] = (uint32_t)g[REG_EAX];
    io.out[R_ECX] = (uint32_t)g[REG_ECX];
    io.out[R_EDX] = (uint32_t)g[REG_EDX];
    io.out[R_EBX] = (uint32_t)g[REG_EBX];
    io.out[R_ESI] = (uint32_t)g[REG_ESI];
    io.out[R_EDI] = (uint32_t)g[REG_EDI];
    io.out_flags = (uint32_t)g[REG_EFL] & ~EFL_RF;
    io.status = (uint32_t)sig;
    /* resume in the fault-exit sequence with the stub's own stack frame */
    g[REG_EIP] = (greg_t)(A(page) + fault_exit_off);
    g[REG_ESP] = (greg_t)io.saved_esp;
    g[REG_EFL] = (greg_t)io.base_flags;
}

static void setup(void)
{
    page = mmap(NULL, PAGE_SIZE_, PROT_READ | PROT_WRITE | PROT_EXEC,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        perror("host_oracle: mmap RWX");
        exit(2);
    }
    memset(page, 0xCC, PAGE_SIZE_);
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
    void *stk = mmap((void *)(uintptr_t)STUB_STACK_ADDR, STUB_STACK_SIZE,
                     PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (stk == MAP_FAILED)      /* address taken: any place will do */
        stk = mmap(NULL, STUB_STACK_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (stk == MAP_FAILED) {
        perror("host_oracle: mmap stack");
        exit(2);
    }
    io.stub_sp = A(stk) + STUB_STACK_SIZE / 2;
    build_stub();

    uint32_t f;
    __asm__ volatile("pushfl\n\tpopl %0" : "=r"(f));
    io.base_flags = f & ~(ARITH_MASK | EFL_TF);

    static uint8_t altstack[65536] __attribute__((aligned(16)));
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    if (sigaltstack(&ss, NULL) != 0) {
        perror("host_oracle: sigaltstack");
        exit(2);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    const int sigs[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGTRAP };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (sigaction(sigs[i], &sa, NULL) != 0) {
            perror("host_oracle: sigaction");
            exit(2);
        }
}

/* ------------------------------------------------------------- execution */

static inline uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static void run_record(const uint8_t *in, uint8_t *out)
{
    unsigned n = in[0];
    for (int r = 0; r < R_NREGS; r++)
        io.in[r] = rd32(in + 20 + 4 * r);
    io.in_flags = io.base_flags | (rd32(in + 44) & ARITH_MASK);

    if (n > 16 || refuse(in + 1, n)) {
        for (int r = 0; r < R_NREGS; r++) wr32(out + 4 * r, io.in[r]);
        wr32(out + 24, io.in_flags);
        wr32(out + 28, STATUS_REFUSED);
        return;
    }
    place_instruction(in + 1, n);
    io.status = 0;
    __asm__ volatile("" ::: "memory");
    ((void (*)(void))(void *)page)();
    __asm__ volatile("" ::: "memory");
    for (int r = 0; r < R_NREGS; r++)
        wr32(out + 4 * r, io.out[r]);
    wr32(out + 24, io.out_flags);
    wr32(out + 28, io.status);
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int batch_main(void)
{
    enum { MAXREC = 4096 };
    static uint8_t inbuf[MAXREC * IN_REC];
    static uint8_t outbuf[MAXREC * OUT_REC];
    size_t have = 0;
    for (;;) {
        ssize_t r = read(0, inbuf + have, sizeof inbuf - have);
        if (r < 0) {
            if (errno == EINTR) continue;
            perror("host_oracle: read");
            return 1;
        }
        if (r == 0) break;
        have += (size_t)r;
        size_t nrec = have / IN_REC;
        for (size_t i = 0; i < nrec; i++)
            run_record(inbuf + i * IN_REC, outbuf + i * OUT_REC);
        if (nrec && write_all(1, outbuf, nrec * OUT_REC) != 0) {
            perror("host_oracle: write");
            return 1;
        }
        size_t used = nrec * IN_REC;
        memmove(inbuf, inbuf + used, have - used);
        have -= used;
    }
    if (have) {
        fprintf(stderr, "host_oracle: %zu trailing bytes ignored (not a whole record)\n", have);
        return 1;
    }
    return 0;
}

/* -------------------------------------------------------------- selftest */

struct selftest {
    const char *name;
    uint8_t len, bytes[16];
    uint32_t in[R_NREGS], in_flags;
    uint32_t out[R_NREGS];
    uint32_t flag_mask;   /* which output flag bits to compare */
    uint32_t flags;       /* expected value of those bits */
    uint32_t status;
};

#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define DF 0x400u
#define OF 0x800u
#define ALL (CF | PF | AF | ZF | SF | OF)

static const struct selftest tests[] = {
    /* add eax,ebx : 0xFFFFFFFF + 1 */
    { "add eax,ebx", 2, { 0x01, 0xD8 },
      { 0xFFFFFFFF, 0, 0, 1, 0, 0 }, 0,
      { 0, 0, 0, 1, 0, 0 }, ALL | DF, CF | PF | AF | ZF, 0 },
    /* adc eax,ebx with CF in: 0x7FFFFFFF + 0 + 1 -> signed overflow */
    { "adc eax,ebx", 2, { 0x11, 0xD8 },
      { 0x7FFFFFFF, 0, 0, 0, 0, 0 }, CF,
      { 0x80000000, 0, 0, 0, 0, 0 }, ALL, SF | OF | AF | PF, 0 },
    /* inc eax (0x40) keeps CF */
    { "inc eax", 1, { 0x40 },
      { 0xFFFFFFFF, 0, 0, 0, 0, 0 }, CF,
      { 0, 0, 0, 0, 0, 0 }, ALL, CF | ZF | AF | PF, 0 },
    /* 66 add ax,0xFFFF : upper half untouched */
    { "add ax,imm16", 4, { 0x66, 0x05, 0xFF, 0xFF },
      { 0x12340001, 0, 0, 0, 0, 0 }, 0,
      { 0x12340000, 0, 0, 0, 0, 0 }, ALL, CF | ZF | AF | PF, 0 },
    /* sub ecx,edx : 0 - 1 */
    { "sub ecx,edx", 2, { 0x29, 0xD1 },
      { 0, 0, 1, 0, 0, 0 }, 0,
      { 0, 0xFFFFFFFF, 1, 0, 0, 0 }, ALL, CF | SF | AF | PF, 0 },
    /* mul ebx : 0x80000000 * 4 = 2:0 */
    { "mul ebx", 2, { 0xF7, 0xE3 },
      { 0x80000000, 0, 0xDEAD, 4, 0, 0 }, 0,
      { 0, 0, 2, 4, 0, 0 }, CF | OF, CF | OF, 0 },
    /* div ecx by zero -> #DE, registers untouched */
    { "div ecx (zero)", 2, { 0xF7, 0xF1 },
      { 1, 0, 2, 3, 4, 5 }, 0,
      { 1, 0, 2, 3, 4, 5 }, 0, 0, SIGFPE },
    /* div ecx overflow (EDX >= ECX) -> #DE */
    { "div ecx (overflow)", 2, { 0xF7, 0xF1 },
      { 0, 2, 2, 0, 0, 0 }, 0,
      { 0, 2, 2, 0, 0, 0 }, 0, 0, SIGFPE },
    /* div ecx : 0x1_00000005 / 2 */
    { "div ecx", 2, { 0xF7, 0xF1 },
      { 5, 2, 1, 0, 0, 0 }, 0,
      { 0x80000002, 2, 1, 0, 0, 0 }, 0, 0, 0 },
    /* aaa with AL=0x0F, AH=0 -> AX=0x0105, AF=CF=1 */
    { "aaa", 1, { 0x37 },
      { 0x0000000F, 0, 0, 0, 0, 0 }, 0,
      { 0x00000105, 0, 0, 0, 0, 0 }, CF | AF, CF | AF, 0 },
    /* aam 0 -> #DE */
    { "aam 0", 2, { 0xD4, 0x00 },
      { 0x1234, 0, 0, 0, 0, 0 }, 0,
      { 0x1234, 0, 0, 0, 0, 0 }, 0, 0, SIGFPE },
    /* aam 10 : AL=0x3F (63) -> AH=6 AL=3 */
    { "aam 10", 2, { 0xD4, 0x0A },
      { 0x3F, 0, 0, 0, 0, 0 }, 0,
      { 0x0603, 0, 0, 0, 0, 0 }, ZF | SF | PF, PF, 0 },
    /* daa : AL=0x9A -> 0x00, CF=AF=1 ZF=1 */
    { "daa", 1, { 0x27 },
      { 0x9A, 0, 0, 0, 0, 0 }, 0,
      { 0x00, 0, 0, 0, 0, 0 }, CF | AF | ZF | SF | PF, CF | AF | ZF | PF, 0 },
    /* bswap esi */
    { "bswap esi", 2, { 0x0F, 0xCE },
      { 0, 0, 0, 0, 0x11223344, 0 }, 0,
      { 0, 0, 0, 0, 0x44332211, 0 }, 0, 0, 0 },
    /* shld eax,edx,cl with cl=4 */
    { "shld eax,edx,cl", 3, { 0x0F, 0xA5, 0xD0 },
      { 0x12345678, 4, 0x9ABCDEF0, 0, 0, 0 }, 0,
      { 0x23456789, 4, 0x9ABCDEF0, 0, 0, 0 }, CF | ZF | SF | PF, CF, 0 },
    /* xadd ebx,eax */
    { "xadd ebx,eax", 3, { 0x0F, 0xC1, 0xC3 },
      { 5, 0, 0, 7, 0, 0 }, 0,
      { 7, 0, 0, 12, 0, 0 }, ALL, PF, 0 },
    /* cmpxchg ecx,edx (EAX==ECX) -> ECX=EDX, ZF */
    { "cmpxchg ecx,edx", 3, { 0x0F, 0xB1, 0xD1 },
      { 9, 9, 42, 0, 0, 0 }, 0,
      { 9, 42, 42, 0, 0, 0 }, ZF, ZF, 0 },
    /* setc bl with CF=1 */
    { "setc bl", 3, { 0x0F, 0x92, 0xC3 },
      { 0, 0, 0, 0xFFFFFF00, 0, 0 }, CF,
      { 0, 0, 0, 0xFFFFFF01, 0, 0 }, CF, CF, 0 },
    /* DF round trip through a NOP */
    { "nop keeps DF", 1, { 0x90 },
      { 0, 0, 0, 0, 0, 0 }, DF | OF,
      { 0, 0, 0, 0, 0, 0 }, ALL | DF, DF | OF, 0 },
    /* ud2 -> #UD */
    { "ud2", 2, { 0x0F, 0x0B },
      { 1, 2, 3, 4, 5, 6 }, 0,
      { 1, 2, 3, 4, 5, 6 }, 0, 0, SIGILL },
    /* hlt -> #GP -> SIGSEGV */
    { "hlt", 1, { 0xF4 },
      { 1, 2, 3, 4, 5, 6 }, 0,
      { 1, 2, 3, 4, 5, 6 }, 0, 0, SIGSEGV },
    /* lock add eax,ebx (register form) -> #UD */
    { "lock add eax,ebx", 3, { 0xF0, 0x01, 0xD8 },
      { 1, 0, 0, 1, 0, 0 }, 0,
      { 1, 0, 0, 1, 0, 0 }, 0, 0, SIGILL },
    /* push eax: moves ESP, must be harmless */
    { "push eax", 1, { 0x50 },
      { 7, 0, 0, 0, 0, 0 }, 0,
      { 7, 0, 0, 0, 0, 0 }, 0, 0, 0 },
    /* jmp short: refused */
    { "jmp (refused)", 2, { 0xEB, 0xFE },
      { 1, 2, 3, 4, 5, 6 }, 0,
      { 1, 2, 3, 4, 5, 6 }, 0, 0, STATUS_REFUSED },
};

static int selftest_main(void)
{
    int bad = 0;
    uint8_t in[IN_REC], out[OUT_REC];
    for (unsigned t = 0; t < sizeof tests / sizeof tests[0]; t++) {
        const struct selftest *s = &tests[t];
        memset(in, 0, sizeof in);
        in[0] = s->len;
        memcpy(in + 1, s->bytes, s->len);
        for (int r = 0; r < R_NREGS; r++) wr32(in + 20 + 4 * r, s->in[r]);
        /* junk outside the arithmetic mask must be ignored (TF especially) */
        wr32(in + 44, (s->in_flags & ARITH_MASK) | (0xFFFFF000u & ~ARITH_MASK) | EFL_TF | 0x22);
        run_record(in, out);
        int ok = rd32(out + 28) == s->status;
        for (int r = 0; r < R_NREGS; r++)
            ok &= rd32(out + 4 * r) == s->out[r];
        uint32_t f = rd32(out + 24);
        ok &= (f & s->flag_mask) == s->flags;
        ok &= (f & 0x2u) != 0;            /* reserved bit 1 always reads 1 */
        ok &= (f & EFL_TF) == 0;
        if (s->status == 0)
            ok &= (f & ~ARITH_MASK) == io.base_flags;
        if (!ok) {
            bad++;
            printf("MISMATCH %s: status=%u (want %u)\n  got  ", s->name,
                   rd32(out + 28), s->status);
            for (int r = 0; r < R_NREGS; r++) printf(" %08x", rd32(out + 4 * r));
            printf("  fl=%08x\n  want", f);
            for (int r = 0; r < R_NREGS; r++) printf(" %08x", s->out[r]);
            printf("  fl&%03x=%03x\n", s->flag_mask, s->flags);
        }
    }
    /* The interesting invariant of the output format. */
    printf("base EFLAGS (non-arithmetic bits as output): %08x\n", io.base_flags);
    if (bad) {
        printf("selftest FAILED (%d)\n", bad);
        return 1;
    }
    printf("selftest ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    setup();
    if (argc > 1 && strcmp(argv[1], "--selftest") == 0)
        return selftest_main();
    if (argc > 1) {
        fprintf(stderr, "usage: %s [--selftest] < records > results\n", argv[0]);
        return 2;
    }
    return batch_main();
}
