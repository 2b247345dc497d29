// EPUBCheck for one build, started as the build starts: Java's start-up and EPUBCheck's
// loading happen while the book is laid out, on the other core. Each line on stdin is one
// check, FILE<TAB>REPORT.json[<TAB>option...]; "done<TAB>N" on stdout answers the Nth line
// (from 0), in ASCII whatever the paths' characters and the platform's charset.
// The first check (the warm-up) runs alone; after it, two run at once (the EPUB and the
// Kobo edition), each on a thread of its own: the Kobo edition's check no longer waits for
// the EPUB's. EPUBCheck's run is not written for threads, so what two runs share is made
// safe here: the set of every message id reported (a static HashSet, which nothing reads)
// is replaced by a concurrent one, and a run starts at least START_GAP_MS after the one
// before, so that no two format their start date with the one static SimpleDateFormat at
// once (CheckerMetadata.setStartDate: its only use). The other shared state is caches that
// the first run fills.
// The heap: while a check runs, it grows as the JVM's defaults let it (MinHeapFreeRatio 40);
// held as tight as it once was for the whole run (10), a 20-chapter book's checks spent 3 s in
// collections, 2 of them full ones, against 1.2. Idle (through the book's layout, which needs
// the memory), it is collected and shrunk to a fifth free (MaxHeapFreeRatio 20): both are
// "manageable" flags, set here as the checks begin and end.
import com.adobe.epubcheck.api.MasterReport;
import com.adobe.epubcheck.tool.EpubChecker;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

public class EpubCheckServer {
  static final long START_GAP_MS = 250;
  static final Object STARTS = new Object();
  static long lastStart = 0;
  static final AtomicInteger running = new AtomicInteger();

  // Min must stay at most Max: loosened, Max goes first; tightened, Min. A JVM that has no
  // such flags, or refuses these values (set otherwise by JAVA_TOOL_OPTIONS), keeps its own.
  static synchronized void heap(boolean checking) {
    String min = checking ? "40" : "10";
    String max = checking ? "70" : "20";
    try {
      HotSpotDiagnosticMXBean vm =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (checking) {
        vm.setVMOption("MaxHeapFreeRatio", max);
        vm.setVMOption("MinHeapFreeRatio", min);
      } else {
        vm.setVMOption("MinHeapFreeRatio", min);
        vm.setVMOption("MaxHeapFreeRatio", max);
      }
    } catch (Throwable refused) {
      // the heap as the JVM has it: slower, not wrong
    }
  }

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream answer = System.out;
    System.setOut(new PrintStream(OutputStream.nullOutputStream()));
    MasterReport.allReportedMessageIds = ConcurrentHashMap.newKeySet();
    ExecutorService checks = Executors.newFixedThreadPool(2);
    String line;
    int number = 0;
    while ((line = in.readLine()) != null) {
      String[] parts = line.split("\t");
      int n = number++;
      if (n == 0) {
        check(parts, n, answer);  // alone: it fills what later runs share
      } else {
        checks.submit(() -> check(parts, n, answer));
      }
    }
    checks.shutdown();
    checks.awaitTermination(1, TimeUnit.DAYS);
  }

  static void check(String[] parts, int n, PrintStream answer) {
    synchronized (running) {
      if (running.getAndIncrement() == 0) {
        heap(true);
      }
    }
    try {
      synchronized (STARTS) {
        long wait = lastStart + START_GAP_MS - System.currentTimeMillis();
        if (wait > 0) {
          Thread.sleep(wait);
        }
        lastStart = System.currentTimeMillis();
      }
      List<String> run = new ArrayList<>(List.of(parts[0]));
      run.addAll(Arrays.asList(parts).subList(2, parts.length));
      run.addAll(List.of("--json", parts[1], "--quiet"));
      new EpubChecker().run(run.toArray(new String[0]));
    } catch (Throwable error) {
      error.printStackTrace();  // to stderr; the report is missing, and the build says so
    } finally {
      synchronized (answer) {
        answer.println("done\t" + n);
        answer.flush();
      }
      synchronized (running) {  // not tightened as another check begins
        if (running.decrementAndGet() == 0) {
          heap(false);
          System.gc();  // then its heap shrunk: idle while the book is laid out
        }
      }
    }
  }
}
