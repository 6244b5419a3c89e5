package io.cgfed.service.support.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Who may call a controller method (or every method of a controller class; a method's own annotation
 * wins). Without one, GET and HEAD are {@link Caller#READER} and every other method is
 * {@link Caller#USER}: a new mutating endpoint is closed until someone opens it on purpose.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
public @interface Requires {
    Caller value();
}
