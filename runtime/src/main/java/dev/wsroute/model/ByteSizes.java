package dev.wsroute.model;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses sizes written as Kubernetes quantities: {@code 1Mi}, {@code 64Ki}, {@code 1.5M}, {@code 1e6}, {@code 1048576}. */
public final class ByteSizes {
    private static final Pattern QUANTITY = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|[eE][0-9]{1,2})?");

    private ByteSizes() {
    }

    /** @throws IllegalArgumentException when the text is not a whole number of bytes */
    public static long parse(String text) {
        Matcher m = text == null ? null : QUANTITY.matcher(text.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size such as 1Mi, 64Ki, 500k or 1048576");
        }
        BigDecimal value = new BigDecimal(m.group(1)).multiply(multiplier(m.group(2)));
        try {
            return value.longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number of bytes below 2^63");
        }
    }

    private static BigDecimal multiplier(String suffix) {
        if (suffix == null) {
            return BigDecimal.ONE;
        }
        return switch (suffix) {
            case "Ki" -> BigDecimal.valueOf(1L << 10);
            case "Mi" -> BigDecimal.valueOf(1L << 20);
            case "Gi" -> BigDecimal.valueOf(1L << 30);
            case "Ti" -> BigDecimal.valueOf(1L << 40);
            case "Pi" -> BigDecimal.valueOf(1L << 50);
            case "Ei" -> BigDecimal.valueOf(1L << 60);
            case "k" -> BigDecimal.TEN.pow(3);
            case "M" -> BigDecimal.TEN.pow(6);
            case "G" -> BigDecimal.TEN.pow(9);
            case "T" -> BigDecimal.TEN.pow(12);
            case "P" -> BigDecimal.TEN.pow(15);
            case "E" -> BigDecimal.TEN.pow(18);
            default -> BigDecimal.TEN.pow(Integer.parseInt(suffix.substring(1))); // e6, E3
        };
    }
}
