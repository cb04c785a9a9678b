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
 * {@code /proc/<pid>/stat}. Ticks are converted with the clock tick rate (USER_HZ, 100 on Linux).
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

    /** Microseconds of CPU used so far by the roots and every process below them. */
    long sampleMicros() {
        long ticks = 0;
        for (long pid : withDescendants()) {
            ticks += ticks(pid);
        }
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

    private static long ticks(long pid) {
        String[] f = statFields(Path.of("/proc", Long.toString(pid), "stat"));
        // fields after "(comm)": state(3) ppid(4) ... utime(14) stime(15); f[0] is state
        return f == null ? 0 : Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** The fields after the command name, starting with the state; null if the process is gone. */
    private static String[] statFields(Path stat) {
        try {
            String s = Files.readString(stat);
            return s.substring(s.lastIndexOf(')') + 2).split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
