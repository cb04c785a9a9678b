package dev.wsroute.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.netty.util.ResourceLeakDetector;

/**
 * The leak detection level for one test class, in place of the module's paranoid one ({@link LeakCheck} sets it
 * before the class and back after it). For a class whose timing paranoid's cost (a stack trace per buffer access)
 * changes: say why where it is used.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface LeakDetectionLevel {
    ResourceLeakDetector.Level value();
}
