package dev.wsroute.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CPU time (utime + stime, all threads) of a set of processes and their descendants, read from
 * {@code /proc/<pid>/stat}, and its part in the kernel (stime: system calls, the TCP stack, page faults), which
 * tells a proxy's own work from the kernel's. Ticks are converted with the clock tick rate (USER_HZ, 100 on Linux).
 * A JVM's share spent compiling (the C1/C2 compiler threads) and collecting (the VM thread, which runs the serial
 * collector, and GC worker threads) is read per thread from {@code /proc/<pid>/task/<tid>/stat}, so that a JIT still
 * busy in a measured window shows as such rather than as the cost of the data path.
 */
final class ProcCpu {
    private final List<Long> roots;
    private final long ticksPerSecond;

    ProcCpu(List<Long> roots, long ticksPerSecond) {
        this.roots = List.copyOf(roots);
        this.ticksPerSecond = ticksPerSecond;
    }

    static ProcCpu parse(String pidList, long ticksPerSecond) {
        List<Long> pids = new ArrayList<>();
        for (String p : pidList.split(",")) {
            if (!p.isBlank()) {
                pids.add(Long.parseLong(p.trim()));
            }
        }
        return new ProcCpu(pids, ticksPerSecond);
    }

    boolean isEmpty() {
        return roots.isEmpty();
    }

    /**
     * CPU used so far, in microseconds: in all, in the kernel, by JIT compiler and GC threads, and by wsroute's
     * access-log writer thread.
     */
    record Sample(long total, long kernel, long jit, long gc, long accessLog) {
        Sample minus(Sample start) {
            return new Sample(total - start.total, kernel - start.kernel, jit - start.jit, gc - start.gc,
                    accessLog - start.accessLog);
        }
    }

    /** CPU used so far by the roots and every process below them. */
    Sample sample() {
        long total = 0;
        long kernel = 0;
        long jit = 0;
        long gc = 0;
        long accessLog = 0;
        for (long pid : withDescendants()) {
            String[] process = statFields(Path.of("/proc", Long.toString(pid), "stat"));
            total += ticks(process);
            kernel += process == null ? 0 : Long.parseLong(process[12]);
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
                for (Path task : tasks) {
                    String stat = readOrNull(task.resolve("stat"));
                    if (stat == null) {
                        continue;
                    }
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                        jit += ticks(fieldsAfterComm(stat));
                    } else if (comm.equals("VM Thread") || comm.startsWith("GC Thread")) {
                        gc += ticks(fieldsAfterComm(stat));
                    } else if (comm.startsWith("wsroute-access")) { // the thread's name cut to 15 characters
                        accessLog += ticks(fieldsAfterComm(stat));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the process ended while it was read: its threads count no more
            }
        }
        return new Sample(micros(total), micros(kernel), micros(jit), micros(gc), micros(accessLog));
    }

    private long micros(long ticks) {
        return ticks * 1_000_000L / ticksPerSecond;
    }

    private Set<Long> withDescendants() {
        Map<Long, List<Long>> children = new HashMap<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                String[] f = statFields(proc.resolve("stat"));
                if (f != null) {
                    children.computeIfAbsent(Long.parseLong(f[1]), k -> new ArrayList<>())
                            .add(Long.parseLong(proc.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        Set<Long> all = new LinkedHashSet<>(roots);
        List<Long> todo = new ArrayList<>(roots);
        for (int i = 0; i < todo.size() && i < 100_000; i++) {
            for (long child : children.getOrDefault(todo.get(i), List.of())) {
                if (all.add(child)) {
                    todo.add(child);
                }
            }
        }
        return all;
    }

    /** utime + stime of a stat line's fields (after "(comm)": state(3) ppid(4) ... utime(14) stime(15)). */
    private static long ticks(String[] f) {
        return f == null ? 0 : Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** The fields after the command name, starting with the state; null if the process is gone. */
    private static String[] statFields(Path stat) {
        String s = readOrNull(stat);
        return s == null ? null : fieldsAfterComm(s);
    }

    private static String[] fieldsAfterComm(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    private static String readOrNull(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
