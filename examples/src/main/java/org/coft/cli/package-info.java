/** The {@code coft} command line (picocli): one class per command; shared run logic beside its users. */
package org.coft.cli;
