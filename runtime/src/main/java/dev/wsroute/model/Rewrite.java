package dev.wsroute.model;

import java.util.List;

/** Edits to the upgrade request before it goes upstream; null fields mean "leave as is". */
public record Rewrite(String replacePrefixMatch, String replaceFullPath, String hostname, List<Header> setHeaders,
        List<String> removeHeaders) {

    public static final Rewrite NONE = new Rewrite(null, null, null, List.of(), List.of());

    public Rewrite {
        setHeaders = List.copyOf(setHeaders);
        removeHeaders = List.copyOf(removeHeaders);
    }

    public record Header(String name, String value) {
    }
}
