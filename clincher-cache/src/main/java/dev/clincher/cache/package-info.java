/** Clincher cache. */
package dev.clincher.cache;
