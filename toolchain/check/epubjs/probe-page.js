// Measures, inside the reader page, what a reader sees of the section on screen. Loaded into
// reader.html by probe.cjs; every measure is of laid-out boxes, not of the markup.
window.probe = {
  contents() {
    return rendition.getContents()[0];
  },

  column() {
    return rendition.manager.layout.columnWidth;
  },

  async show(target) {
    await rendition.display(target);
    await new Promise(resolve => setTimeout(resolve, 40));
    const contents = this.contents();
    return contents ? contents.document.title : null;
  },

  async showElement(index, selector) {
    await this.show(book.spine.get(index).href);
    const contents = this.contents();
    const node = contents.document.querySelector(selector);
    if (!node) return false;
    await this.show(contents.cfiFromNode(node));
    return true;
  },

  label(node) {
    const text = (node.textContent || "").replace(/\s+/g, " ").trim().slice(0, 40);
    return `${node.tagName.toLowerCase()}${node.id ? "#" + node.id : ""} “${text}”`;
  },

  textRect(doc, node, last) {
    const range = doc.createRange();
    const text = node.nodeValue.replace(/\s+$/, "");
    if (!text.trim()) return null;
    const at = last ? text.length - 1 : text.search(/\S/);
    range.setStart(node, at);
    range.setEnd(node, at + 1);
    const rects = range.getClientRects();
    return rects.length ? { rect: rects[0], parent: node.parentElement } : null;
  },

  // The text just before a note call (or after it): what the call must sit above.
  neighbour(doc, call) {
    const block = call.closest("p, li, td, th, h1, h2, h3, h4, span.line, figcaption") || call.parentElement;
    const walker = doc.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let before = null, after = null, node;
    while ((node = walker.nextNode())) {
      if (node.parentElement.closest('a[role="doc-noteref"]')) continue;  // another call
      if (call.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING) {
        before = this.textRect(doc, node, true) || before;
      } else if (!after) {
        after = this.textRect(doc, node, false);
      }
    }
    return before || after;
  },

  measure(fullCheck) {
    const contents = this.contents();
    const doc = contents.document, win = contents.window, column = this.column();
    const found = { calls: 0, raised: 0, smaller: 0, listItems: 0, doubledLists: 0, quotes: 0,
                    flatQuotes: 0, verseLines: 0, joinedVerse: 0, tables: 0, wideTables: 0,
                    cutOff: 0, problems: [] };
    const size = node => parseFloat(win.getComputedStyle(node).fontSize);
    if (fullCheck) {
      for (const call of doc.querySelectorAll('a[role="doc-noteref"]')) {
        found.calls += 1;
        const mark = [...call.querySelectorAll("*"), call].find(n => n.firstChild && n.firstChild.nodeType === 3);
        const own = mark && this.textRect(doc, mark.firstChild, false);
        const other = this.neighbour(doc, call);
        if (!own || !other) continue;
        const raised = own.rect.bottom < other.rect.bottom - 1;
        const smaller = size(own.parent) < size(other.parent) - 0.5;
        found.raised += raised;
        found.smaller += smaller;
        if (!raised || !smaller) {
          found.problems.push(`note call ${this.label(call)} is ${raised ? "" : "on the baseline"}${!raised && !smaller ? ", " : ""}${smaller ? "" : "full size"}`);
        }
      }
      for (const item of doc.querySelectorAll("li")) {
        if (!item.getClientRects().length) continue;  // not shown: a hidden nav's list
        found.listItems += 1;
        const style = win.getComputedStyle(item);
        const marker = style.display === "list-item" && style.listStyleType !== "none";
        if (marker && /^\s*(\d+|[ivxlcdm]+)[.)]?\s/i.test(item.textContent)) {
          found.doubledLists += 1;
          found.problems.push(`list item ${this.label(item)} is numbered twice`);
        }
      }
      for (const quote of doc.querySelectorAll("blockquote")) {
        found.quotes += 1;
        const style = win.getComputedStyle(quote);
        if (parseFloat(style.marginLeft) + parseFloat(style.paddingLeft) < 1) {
          found.flatQuotes += 1;
          found.problems.push(`quotation ${this.label(quote)} is not indented`);
        }
      }
      for (const stanza of doc.querySelectorAll(".stanza")) {
        const lines = [...stanza.querySelectorAll(".line")];
        found.verseLines += lines.length;
        for (let k = 1; k < lines.length; k++) {
          const prev = [...lines[k - 1].getClientRects()].pop();
          const cur = lines[k].getClientRects()[0];
          if (prev && cur && Math.abs(cur.top - prev.top) < 1 && cur.left >= prev.right - 1) {
            found.joinedVerse += 1;
            found.problems.push(`verse line ${this.label(lines[k])} runs on from the line before`);
          }
        }
      }
    }
    for (const table of doc.querySelectorAll(".table-wrap, table")) {
      if (table.parentElement.closest(".table-wrap")) continue;
      found.tables += fullCheck;
      const width = Math.max(0, ...[...table.getClientRects()].map(r => r.width));
      if (width > column + 1) {
        found.wideTables += 1;
        found.problems.push(`table ${this.label(table)} is wider than the page (${Math.round(width)} > ${Math.round(column)} px)`);
      }
    }
    for (const block of doc.querySelectorAll("p, li, h1, h2, h3, h4, figure, img, blockquote, dt, dd, caption")) {
      if (block.closest(".table-wrap")) continue;
      // a block broken across columns has a box in each; none may be wider than a column
      const width = Math.max(0, ...[...block.getClientRects()].map(r => r.width));
      if (width > column + 1) {
        found.cutOff += 1;
        found.problems.push(`${this.label(block)} is cut off (${Math.round(width)} > ${Math.round(column)} px)`);
      }
    }
    return found;
  },

  // Follow the k-th note call as a tap would, and say whether its note is then on screen.
  async tap(index, k) {
    await this.show(book.spine.get(index).href);
    const call = this.contents().document.querySelectorAll('a[role="doc-noteref"]')[k];
    const id = call.getAttribute("href").split("#")[1];
    const moved = new Promise(resolve => {
      rendition.once("relocated", resolve);
      setTimeout(resolve, 3000);
    });
    call.click();
    await moved;
    // A machine under load may still be laying the note's document out when "relocated"
    // comes (or the 3 s are up): the note is looked for again every 100 ms, 10 s at most,
    // before the tap is said to have failed.
    let found = `tapping the call ${this.label(call)} did not open its note ${id}`;
    for (let waited = 0; waited <= 10000; waited += 100) {
      await new Promise(resolve => setTimeout(resolve, waited ? 100 : 40));
      for (const contents of rendition.getContents()) {
        const target = contents.document.getElementById(id);
        if (!target) continue;
        const frame = contents.window.frameElement.getBoundingClientRect();
        const rect = target.getBoundingClientRect();
        const x = frame.left + rect.left, y = frame.top + rect.top;
        if (x >= -1 && x < window.innerWidth && y >= -1 && y < window.innerHeight) return null;
        found = `note ${id} is off screen after tapping its call (at ${Math.round(x)}, ${Math.round(y)})`;
      }
    }
    return found;
  },

  callCount() {
    return this.contents().document.querySelectorAll('a[role="doc-noteref"]').length;
  },
};
