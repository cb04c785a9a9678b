package dev.wsroute.operator.translate;

/** A reference that did not resolve: the field that holds it, the condition reason, and what is wrong. */
public record RefProblem(String field, String reason, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
