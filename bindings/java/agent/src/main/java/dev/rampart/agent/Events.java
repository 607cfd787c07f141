package dev.rampart.agent;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Where events go: one JSON line each on the process's standard error (container log
 * drivers collect it). Written to the file descriptor itself, so an application that
 * replaces {@code System.err} still has its events in the log.
 */
final class Events {
    private Events() {}

    private static final PrintStream ERR =
            new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    static void write(String line) {
        if (line != null) {
            synchronized (ERR) {
                ERR.println(line);
            }
        }
    }
}
