package org.slf4j.impl;

import org.coft.cli.log.CliLoggerFactory;
import org.slf4j.ILoggerFactory;
import org.slf4j.spi.LoggerFactoryBinder;

/** SLF4J 1.7's binding hook: the {@code coft} command's logging backend ({@link CliLoggerFactory}). */
public final class StaticLoggerBinder implements LoggerFactoryBinder {
    private static final StaticLoggerBinder SINGLETON = new StaticLoggerBinder();

    /** The SLF4J API version this binding is compiled against (checked by SLF4J). */
    public static String REQUESTED_API_VERSION = "1.7.36";

    private final ILoggerFactory factory = new CliLoggerFactory();

    public static StaticLoggerBinder getSingleton() {
        return SINGLETON;
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public String getLoggerFactoryClassStr() {
        return CliLoggerFactory.class.getName();
    }
}
