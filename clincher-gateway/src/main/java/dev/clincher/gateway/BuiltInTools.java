package dev.clincher.gateway;

import dev.clincher.cache.embedding.Embedder;
import dev.clincher.gateway.policy.ToolPattern;
import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.store.EventLog;
import dev.clincher.gateway.store.NoteStore;
import dev.clincher.gateway.store.SessionStore;
import dev.clincher.gateway.tools.Tool;
import dev.clincher.gateway.tools.fs.EditTool;
import dev.clincher.gateway.tools.fs.ListTool;
import dev.clincher.gateway.tools.fs.ReadTool;
import dev.clincher.gateway.tools.fs.WriteTool;
import dev.clincher.gateway.tools.memory.MemorySaveTool;
import dev.clincher.gateway.tools.memory.MemorySearchTool;
import dev.clincher.gateway.tools.runtime.ExecTool;
import dev.clincher.gateway.tools.sessions.SessionsHistoryTool;
import dev.clincher.gateway.tools.sessions.SessionsListTool;
import dev.clincher.gateway.tools.web.WebFetchSettings;
import dev.clincher.gateway.tools.web.WebFetchTool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every built-in tool, in one list, with its policy group. The agents' tool policy decides which of them each agent
 * is offered and may call; a tool not listed here does not exist.
 */
public final class BuiltInTools {
  /** Most file bytes one {@code read} returns. */
  public static final int READ_BYTES = 256 * 1024;
  /** Largest file one {@code write} writes. */
  public static final int WRITE_BYTES = 16 * 1024 * 1024;
  /** Largest file {@code edit} edits. */
  public static final int EDIT_BYTES = 4 * 1024 * 1024;
  /** Longest listing {@code list} returns. */
  public static final int LIST_BYTES = 64 * 1024;

  private BuiltInTools() {}

  /** Every tool by name, in the order listed. */
  public static Map<String, Tool> all(SandboxSettings sandbox, WebFetchSettings web, NoteStore notes,
      SessionStore sessions, EventLog eventLog, Embedder embedder) {
    List<Tool> all = new ArrayList<>(sandboxed(sandbox));
    all.add(new WebFetchTool(web));                      // group:web
    all.add(new MemorySaveTool(notes, embedder));                 // group:memory
    all.add(new MemorySearchTool(notes, embedder));               // group:memory
    all.add(new SessionsListTool(sessions));                      // group:sessions
    all.add(new SessionsHistoryTool(sessions, eventLog));         // group:sessions
    return byName(all);
  }

  /** The tools that run in the session's sandbox; file operations use {@code sandbox.exec_timeout}. */
  public static List<Tool> sandboxed(SandboxSettings sandbox) {
    Duration timeout = sandbox.execTimeout();
    return List.of(
        new ExecTool(sandbox),                           // group:runtime
        new ReadTool(READ_BYTES, timeout),               // group:fs
        new WriteTool(WRITE_BYTES, timeout),             // group:fs
        new EditTool(EDIT_BYTES, timeout),               // group:fs
        new ListTool(LIST_BYTES, timeout));              // group:fs
  }

  /** The tools by name; each must be a member of the policy group it names, and names must be unique. */
  static Map<String, Tool> byName(List<Tool> tools) {
    Map<String, Tool> byName = new LinkedHashMap<>();
    for (Tool tool : tools) {
      Set<String> members = ToolPattern.GROUPS.getOrDefault(tool.group(), Set.of());
      if (!members.contains(tool.name())) {
        throw new IllegalStateException("tool " + tool.name() + " is not in its policy group " + tool.group());
      }
      if (byName.put(tool.name(), tool) != null) {
        throw new IllegalStateException("two tools are named " + tool.name());
      }
    }
    return byName;
  }
}
