/** Clincher gateway. */
package dev.clincher.gateway;
