--[[
quarto.lua — the Quarto conventions spiegel's chapter notebooks rely on, for pandoc 3 (HTML and Typst).

Input: the Markdown that spiegel.render.notebook builds from an executed notebook (code already
removed; tables/figures as fenced divs, see notebook.py). Context comes from the JSON file named by
the environment variable SPIEGEL_RENDER_CONTEXT:
  { "page": "02_gemeenten.html",
    "refs": { "tbl-x": {"kind": "tbl", "number": 1, "page": "02_gemeenten.html"}, ... },
    "names": { "tbl": "Tabel", "fig": "Figuur" },
    "citeproc": true }   (the page is rendered with --citeproc after this filter)
Numbers are precomputed by Python across the whole book (continuous numbering in chapter order),
so every HTML page and the PDF agree. In Typst the floats are real `figure`s (kind table/image)
whose counters give the same numbers, and references are `#ref(<label>)`.

What it does:
  * DataFrame HTML (div.sp-table) -> real pandoc tables: attributes stripped, pandas' index-name
    header row merged, numeric columns right-aligned; Typst tables written with light rules.
  * div.sp-float -> numbered table/figure with caption above and source note (div.sp-note) below.
  * @tbl-x / @fig-x (also [-@tbl-x], @Tbl-x) -> "Tabel 1" (link in HTML, #ref in Typst);
    an unknown label stops the render.
  * other citations are left to pandoc's citeproc when the context says "citeproc": true (the
    edition has a bibliography), else left as their literal text.
]]

local stringify = pandoc.utils.stringify
local is_typst = FORMAT:match("typst") ~= nil

local ctx = {}
do
  local path = os.getenv("SPIEGEL_RENDER_CONTEXT")
  if path and path ~= "" then
    local f = assert(io.open(path, "r"))
    ctx = pandoc.json.decode(f:read("a"), false)
    f:close()
  end
end
local refs = ctx.refs or {}
local names = ctx.names or { tbl = "Tabel", fig = "Figuur" }
local page = ctx.page or ""
local citeproc = ctx.citeproc == true

local function has_class(el, class)
  for _, c in ipairs(el.classes) do
    if c == class then return true end
  end
  return false
end

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

local function typst_of(blocks)
  return trim(pandoc.write(pandoc.Pandoc(blocks), "typst", { wrap_text = "none" }))
end

local function html_of(blocks)
  return trim(pandoc.write(pandoc.Pandoc(blocks), "html5", { wrap_text = "none" }))
end

-- ---------------------------------------------------------------------------------------------
-- tables

-- Calls fn(cell, column, rowindex) for each cell of rows, with the grid column the cell starts in
-- (row spans from earlier rows are skipped over).
local function each_cell(rows, fn)
  local carry = {}
  for r, row in ipairs(rows) do
    local col, nextcarry = 1, {}
    for _, cell in ipairs(row.cells) do
      while (carry[col] or 0) > 0 do col = col + 1 end
      fn(cell, col, r)
      if cell.row_span > 1 then
        for c = col, col + cell.col_span - 1 do nextcarry[c] = cell.row_span - 1 end
      end
      col = col + cell.col_span
    end
    for c, n in pairs(carry) do
      if n > 1 then nextcarry[c] = math.max(nextcarry[c] or 0, n - 1) end
    end
    carry = nextcarry
  end
end

local NEUTRAL = { [""] = true, ["-"] = true, ["–"] = true, ["—"] = true, ["x"] = true, ["."] = true,
  ["*"] = true, ["n.v.t."] = true, ["nvt"] = true, ["n.b."] = true, ["?"] = true }

-- "num" for a number-like cell (12,3 · 1.234 · 45% · <10 · € 1.200 · (12) · −3), "neutral" for the
-- usual placeholders, "text" otherwise.
local function cell_kind(text)
  local s = text:gsub("[%s\u{00A0}\u{202F}\u{2009}]", "")
  if NEUTRAL[s] then return "neutral" end
  s = s:gsub("€", ""):gsub("−", "-"):gsub("≤", "<"):gsub("≥", ">"):gsub("±", "")
  if s:match("^[<>~+%-%(]*%d[%d%.,]*%%?%)?%*?$") then return "num" end
  return "text"
end

local function all_empty(cells, from, to)
  for i = from, to do
    if stringify(cells[i].contents) ~= "" then return false end
  end
  return true
end

local function no_spans(cells)
  for _, c in ipairs(cells) do
    if c.col_span ~= 1 or c.row_span ~= 1 then return false end
  end
  return true
end

local function words_of(s)
  local out = {}
  for w in s:gmatch("%S+") do table.insert(out, w) end
  return out
end

local function join_words(ws, from, to)
  local out = {}
  for i = from, to do table.insert(out, ws[i]) end
  return table.concat(out, " ")
end

-- A flat header that is a cross product, "<group> <sub>" over blocks of m columns with the same
-- subs in every block (Tabel 4: "Sterke mate WW", "Sterke mate Wajong", "Sterke mate WGA",
-- "Enige mate WW", ...), becomes two header rows: the groups spanning their columns over the
-- subs. Returns { m = m, groups = {...}, subs = {...} } or nil. At least two groups of at least two
-- columns, every group and every sub non-empty, groups all different.
local function column_groups(cells, rowheads)
  local n = #cells - rowheads
  if n < 4 then return nil end
  local heads = {}
  for j = 1, n do heads[j] = words_of(stringify(cells[rowheads + j].contents)) end
  for m = 2, n // 2 do
    if n % m == 0 then
      local ok, groups, subs, seen = true, {}, nil, {}
      for b = 0, n // m - 1 do
        local first = heads[b * m + 1]
        local p = 0
        while ok do
          local w = first[p + 1]
          if w == nil then break end
          local same = true
          for k = 2, m do
            if heads[b * m + k][p + 1] ~= w then same = false; break end
          end
          if not same then break end
          p = p + 1
        end
        local rest = {}
        for k = 1, m do
          local ws = heads[b * m + k]
          if p == 0 or #ws <= p then ok = false; break end
          rest[k] = join_words(ws, p + 1, #ws)
        end
        if not ok then break end
        local group = join_words(first, 1, p)
        if seen[group] then ok = false; break end
        seen[group] = true
        groups[b + 1] = group
        if subs == nil then
          subs = rest
        else
          for k = 1, m do
            if subs[k] ~= rest[k] then ok = false; break end
          end
        end
        if not ok then break end
      end
      if ok then return { m = m, groups = groups, subs = subs } end
    end
  end
  return nil
end

local function text_cell(text, align, rowspan, colspan)
  local contents = text == "" and pandoc.Blocks({}) or pandoc.Blocks({ pandoc.Plain(pandoc.Inlines(text)) })
  return pandoc.Cell(contents, align or "AlignDefault", rowspan or 1, colspan or 1)
end

local function group_header(tbl, rowheads)
  local hrows = tbl.head.rows
  if #hrows ~= 1 or not no_spans(hrows[1].cells) then return end
  local cells = hrows[1].cells
  local found = column_groups(cells, rowheads)
  if not found then return end
  local top, bottom = {}, {}
  for i = 1, rowheads do
    local c = cells[i]
    c.row_span = 2
    table.insert(top, c)
  end
  for b, group in ipairs(found.groups) do
    table.insert(top, text_cell(group, "AlignCenter", 1, found.m))
    for k, sub in ipairs(found.subs) do
      local old = cells[rowheads + (b - 1) * found.m + k]
      table.insert(bottom, text_cell(sub, old.alignment, 1, 1))
    end
  end
  tbl.head.rows = { pandoc.Row(top), pandoc.Row(bottom) }
end

-- HTML header scopes: col / colgroup in the head, row for the body's row-head cells.
local function set_scopes(tbl)
  for _, row in ipairs(tbl.head.rows) do
    for _, cell in ipairs(row.cells) do
      cell.attr = pandoc.Attr("", {}, { scope = cell.col_span > 1 and "colgroup" or "col" })
    end
  end
  for _, body in ipairs(tbl.bodies) do
    local heads = body.row_head_columns or 0
    if heads > 0 then
      each_cell(body.body, function(cell, col)
        if col <= heads then cell.attr = pandoc.Attr("", {}, { scope = "row" }) end
      end)
    end
  end
end

local function clean_table(tbl)
  local blank = pandoc.Attr()
  tbl.attr = blank
  tbl.caption = pandoc.Caption()
  local function clean_rows(rows)
    for _, row in ipairs(rows) do
      row.attr = blank
      for _, cell in ipairs(row.cells) do cell.attr = blank end
    end
  end
  clean_rows(tbl.head.rows)
  clean_rows(tbl.foot.rows)
  tbl.head.attr, tbl.foot.attr = blank, blank
  for _, body in ipairs(tbl.bodies) do
    body.attr = blank
    clean_rows(body.head)
    clean_rows(body.body)
  end

  local ncols = #tbl.colspecs
  local rowheads = (tbl.bodies[1] and tbl.bodies[1].row_head_columns) or 0

  -- pandas writes a named index as a second header row ("Groep", "", ""): merge it into the first.
  local hrows = tbl.head.rows
  if #hrows == 2 and rowheads >= 1 and #hrows[1].cells == ncols and #hrows[2].cells == ncols
      and no_spans(hrows[1].cells) and no_spans(hrows[2].cells)
      and all_empty(hrows[1].cells, 1, rowheads) and all_empty(hrows[2].cells, rowheads + 1, ncols) then
    local merged = hrows[1]
    for i = 1, rowheads do merged.cells[i] = hrows[2].cells[i] end
    tbl.head.rows = { merged }
  end

  -- right-align columns that hold only numbers (and placeholders)
  local nums, texts = {}, {}
  for _, body in ipairs(tbl.bodies) do
    each_cell(body.body, function(cell, col)
      if cell.col_span == 1 and col > rowheads then
        local k = cell_kind(stringify(cell.contents))
        if k == "num" then nums[col] = (nums[col] or 0) + 1 end
        if k == "text" then texts[col] = (texts[col] or 0) + 1 end
      end
    end)
  end
  for j = 1, ncols do
    local spec = tbl.colspecs[j]
    if spec[1] == "AlignDefault" then
      spec[1] = ((nums[j] or 0) > 0 and (texts[j] or 0) == 0) and "AlignRight" or "AlignLeft"
      tbl.colspecs[j] = spec
    end
  end

  -- a first column of labels (every cell a text) is the table's stub: its cells head their rows
  -- (th scope=row); a column with empty cells (a group label on its first row only) is left as it is
  if rowheads == 0 and ncols >= 2 and (texts[1] or 0) > 0 and (nums[1] or 0) == 0 then
    local labels = true
    for _, body in ipairs(tbl.bodies) do
      each_cell(body.body, function(cell, col)
        if col == 1 and (cell.col_span ~= 1 or cell_kind(stringify(cell.contents)) ~= "text") then labels = false end
      end)
    end
    if labels then
      for _, body in ipairs(tbl.bodies) do body.row_head_columns = 1 end
      rowheads = 1
    end
  end
  group_header(tbl, rowheads)
  if not is_typst then set_scopes(tbl) end
  return tbl
end

local TYPST_ALIGN = { AlignRight = "right", AlignCenter = "center", AlignLeft = "left", AlignDefault = "left" }

-- Typst markup of rows: one line per row.
local function typst_rows(rows, aligns, header)
  local out = {}
  each_cell(rows, function(cell, col, r)
    local body = typst_of(cell.contents)
    if header and body ~= "" then body = "#strong[" .. body .. "]" end
    if header and cell.col_span > 1 and body ~= "" then
      -- a group's rule over its own columns only (the cell's inset keeps two groups' rules apart)
      body = "#block(width: 100%, inset: (bottom: 2.5pt), stroke: (bottom: 0.5pt))[" .. body .. "]"
    end
    local args = {}
    if cell.col_span > 1 then table.insert(args, "colspan: " .. cell.col_span) end
    if cell.row_span > 1 then table.insert(args, "rowspan: " .. cell.row_span) end
    local align = cell.alignment ~= "AlignDefault" and TYPST_ALIGN[cell.alignment] or nil
    if cell.col_span > 1 and header then align = "center" end
    if align and align ~= aligns[col] then table.insert(args, "align: " .. align) end
    local text
    if #args > 0 then
      text = "table.cell(" .. table.concat(args, ", ") .. ")[" .. body .. "]"
    else
      text = "[" .. body .. "]"
    end
    out[r] = out[r] or {}
    table.insert(out[r], text)
  end)
  local lines = {}
  for r = 1, #rows do
    if out[r] then table.insert(lines, table.concat(out[r], ", ") .. ",") end
  end
  return lines
end

-- A Typst table (never a figure: only labelled floats are numbered).
--
-- Column widths are decided in Typst (sp-table in template.typ), which can measure text exactly.
-- For each column the filter passes four strings: the longest body cell, the longest body word,
-- the longest header cell and the longest header word. A table that fits keeps `auto` columns;
-- a wider one gets widths between each column's minimum and its natural width that fill the line.

local function ulen(s)
  return utf8.len(s) or #s
end

-- The widest piece a line cannot be broken in: split at spaces and after hyphens, dashes,
-- slashes and soft hyphens (where Typst may break without hyphenating).
local function longest_word(s)
  local best = ""
  s = s:gsub("\u{00AD}", "-\n"):gsub("([%-/])", "%1\n"):gsub("([\u{2013}\u{2014}])", "%1\n")
  for w in s:gmatch("[^%s]+") do
    if ulen(w) > ulen(best) then best = w end
  end
  return best
end

local function typst_str(s)
  return '"' .. s:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", " ") .. '"'
end

local function column_hints(tbl, ncols)
  local h = {}
  for j = 1, ncols do h[j] = { "", "", "", "" } end
  local function keep(j, k, text)
    if ulen(text) > ulen(h[j][k]) then h[j][k] = text end
  end
  local function measure(rows, header)
    each_cell(rows, function(cell, col)
      if cell.col_span ~= 1 or h[col] == nil then return end
      local text = stringify(cell.contents)
      local base = header and 3 or 1
      keep(col, base, text)
      keep(col, base + 1, longest_word(text))
    end)
  end
  measure(tbl.head.rows, true)
  for _, body in ipairs(tbl.bodies) do
    measure(body.head, true)
    measure(body.body, false)
  end
  measure(tbl.foot.rows, false)
  local out = {}
  for j = 1, ncols do
    local parts = {}
    for k = 1, 4 do parts[k] = typst_str(h[j][k]) end
    out[j] = "(" .. table.concat(parts, ", ") .. ")"
  end
  return out
end

local function typst_table(tbl)
  local ncols = #tbl.colspecs
  local aligns = {}
  for j = 1, ncols do
    aligns[j] = TYPST_ALIGN[tbl.colspecs[j][1]] or "left"
  end
  local lines = { "#sp-table(" }
  table.insert(lines, "  hints: (" .. table.concat(column_hints(tbl, ncols), ", ") .. ",),")
  table.insert(lines, "  align: (" .. table.concat(aligns, ", ") .. ",),")
  local head = typst_rows(tbl.head.rows, aligns, true)
  if #head > 0 then
    table.insert(lines, "  table.header(")
    for _, l in ipairs(head) do table.insert(lines, "    " .. l) end
    table.insert(lines, "  ),")
    table.insert(lines, "  table.hline(stroke: 0.5pt),")
  end
  for _, body in ipairs(tbl.bodies) do
    for _, l in ipairs(typst_rows(body.head, aligns, true)) do table.insert(lines, "  " .. l) end
    for _, l in ipairs(typst_rows(body.body, aligns, false)) do table.insert(lines, "  " .. l) end
  end
  local foot = typst_rows(tbl.foot.rows, aligns, false)
  if #foot > 0 then
    table.insert(lines, "  table.hline(stroke: 0.5pt),")
    for _, l in ipairs(foot) do table.insert(lines, "  " .. l) end
  end
  table.insert(lines, ")")
  return pandoc.RawBlock("typst", table.concat(lines, "\n"))
end

local function render_table(tbl)
  tbl = clean_table(tbl)
  if is_typst then return typst_table(tbl) end
  return pandoc.Div({ tbl }, pandoc.Attr("", { "sp-table-wrap" }))
end

local function strip_raw_html(blocks)
  return pandoc.Blocks(blocks):walk({
    RawInline = function(r) if r.format == "html" then return {} end end,
    RawBlock = function(r) if r.format == "html" then return {} end end,
  })
end

local function html_blocks(div)
  local text = {}
  for _, b in ipairs(div.content) do
    if b.t == "RawBlock" and b.format == "html" then table.insert(text, b.text) end
  end
  return pandoc.read(table.concat(text, "\n"), "html").blocks
end

-- ---------------------------------------------------------------------------------------------
-- pass 1: notebook outputs -> blocks

local function tables_from(blocks)
  local found = {}
  pandoc.Blocks(blocks):walk({ Table = function(t) table.insert(found, t) end })
  return found
end

local pass_outputs = {
  Div = function(div)
    if has_class(div, "cell") or has_class(div, "sp-md") or has_class(div, "sp-image") then
      return div.content
    end
    if has_class(div, "sp-table") then
      local tables = tables_from(html_blocks(div))
      if #tables == 0 then
        return strip_raw_html(html_blocks(div))
      end
      local out = {}
      for _, t in ipairs(tables) do table.insert(out, render_table(t)) end
      return out
    end
    if has_class(div, "sp-html") then
      return strip_raw_html(html_blocks(div))
    end
  end,
}

-- Tables written in Markdown prose, and Markdown figures, must not become Typst figures:
-- that would shift the numbering of the labelled floats.
-- Their caption (": Bronnen van deze editie" under the table) stays, unnumbered: a <caption> in
-- HTML, a bold line above the table in Typst.
local pass_plain_floats = {
  Table = function(tbl)
    local caption = pandoc.utils.blocks_to_inlines(tbl.caption.long or {})
    if is_typst then
      local out = pandoc.Blocks({})
      if #caption > 0 then out:insert(pandoc.Para({ pandoc.Strong(caption) })) end
      out:insert(render_table(tbl))
      return out
    end
    local t = clean_table(tbl)
    if #caption > 0 then t.caption = pandoc.Caption({ pandoc.Plain(caption) }) end
    return pandoc.Div({ t }, pandoc.Attr("", { "sp-table-wrap" }))
  end,
  Figure = function(fig)
    if not is_typst then return nil end
    local out = pandoc.Blocks(fig.content)
    local cap = fig.caption.long
    if #cap > 0 then
      out:insert(pandoc.RawBlock("typst", "#sp-note["))
      out:extend(cap)
      out:insert(pandoc.RawBlock("typst", "]"))
    end
    return out
  end,
}

-- ---------------------------------------------------------------------------------------------
-- pass 2: numbered floats and notes

local function html_escape(s)
  return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"))
end

local function float_div(div)
  local label = div.identifier
  local kind = div.attributes.kind or label:match("^(%a+)%-")
  local ref = refs[label]
  if ref == nil then
    error("spiegel: float '" .. label .. "' is not in the numbering registry")
  end
  local caption, body = nil, pandoc.Blocks({})
  for _, b in ipairs(div.content) do
    if caption == nil and b.t == "Div" and has_class(b, "sp-caption") then
      caption = b.content
    else
      body:insert(b)
    end
  end
  local cap_inlines = caption and pandoc.utils.blocks_to_inlines(caption) or pandoc.Inlines({})
  local prefix = (names[kind] or kind) .. " " .. tostring(math.floor(ref.number))

  local out = pandoc.Blocks({})
  if is_typst then
    local cap = typst_of({ pandoc.Plain(cap_inlines) })
    local tkind = kind == "tbl" and "table" or "image"
    -- Short tables and figures float: at the top or foot of the page where they are, or at the
    -- top of the next one while the text fills this page (no page left partly empty). Long tables
    -- stay in the text and may break (their header repeats).
    local lines = 0
    for _, b in ipairs(body) do
      if b.t == "RawBlock" and b.format == "typst" and b.text:match("^#sp%-table%(") then
        lines = lines + select(2, b.text:gsub("\n", ""))
      end
    end
    local long = lines > 30
    out:insert(pandoc.RawBlock("typst",
      "#[#show figure: set block(breakable: " .. tostring(long) .. ")\n"
      .. "#figure(kind: " .. tkind .. (long and "" or ", placement: auto")
      .. ", caption: [" .. cap .. "], sp-float-body["))
    out:extend(body)
    out:insert(pandoc.RawBlock("typst", "]) <" .. label .. ">\n]"))
  else
    -- a table's caption is its <caption> (read out with the table); a figure's is its figcaption
    local captioned = false
    if kind == "tbl" then
      body = body:walk({
        Table = function(t)
          if captioned then return nil end
          captioned = true
          local inl = pandoc.Inlines({ pandoc.Span(pandoc.Inlines(prefix), pandoc.Attr("", { "sp-float-label" })),
            pandoc.Space() })
          inl:extend(cap_inlines)
          t.caption = pandoc.Caption({ pandoc.Plain(inl) })
          return t
        end,
      })
    end
    local head = '<figure id="' .. html_escape(label) .. '" class="sp-float sp-' .. kind .. '">'
    if not captioned then
      local cap = html_of({ pandoc.Plain(cap_inlines) })
      head = head .. '\n<figcaption><span class="sp-float-label">' .. html_escape(prefix) .. "</span> "
        .. cap .. "</figcaption>"
    end
    out:insert(pandoc.RawBlock("html", head))
    out:extend(body)
    out:insert(pandoc.RawBlock("html", "</figure>"))
  end
  return out
end

local pass_floats = {
  Div = function(div)
    if has_class(div, "sp-note") then
      if is_typst then
        local out = pandoc.Blocks({ pandoc.RawBlock("typst", "#sp-note[") })
        out:extend(div.content)
        out:insert(pandoc.RawBlock("typst", "]"))
        return out
      end
      div.attr = pandoc.Attr("", { "sp-note" })
      return div
    end
    if has_class(div, "sp-float") then
      return float_div(div)
    end
  end,
}

-- ---------------------------------------------------------------------------------------------
-- pass 3: cross-references

local function xref(citation)
  local id = citation.id
  local prefix, rest = id:match("^(%a+)(%-.+)$")
  if not prefix then return nil end
  local kind = prefix:lower()
  if names[kind] == nil then return nil end
  local label = kind .. rest
  local ref = refs[label]
  if ref == nil then
    error("spiegel: unresolved cross-reference @" .. id .. " on page " .. page
      .. " (no cell has '#| label: " .. label .. "')")
  end
  local number = tostring(math.floor(ref.number))
  local suppress = citation.mode == "SuppressAuthor"
  local text = suppress and number or (names[kind] .. " " .. number)
  if is_typst then
    if suppress then
      return { pandoc.RawInline("typst", "#link(<" .. label .. ">)[" .. number .. "];") }
    end
    return { pandoc.RawInline("typst", "#ref(<" .. label .. ">);") }
  end
  local href = (ref.page == page and "" or ref.page) .. "#" .. label
  return { pandoc.Link(text, href, "", pandoc.Attr("", { "sp-xref" })) }
end

local pass_refs = {
  Cite = function(cite)
    local out, any = pandoc.Inlines({}), false
    for i, c in ipairs(cite.citations) do
      local inl = xref(c)
      if inl then any = true end
      if i > 1 then out:insert(pandoc.Str(",")); out:insert(pandoc.Space()) end
      if #c.prefix > 0 then out:extend(c.prefix); out:insert(pandoc.Space()) end
      if inl then out:extend(inl) else out:insert(pandoc.Str("@" .. c.id)) end
      if #c.suffix > 0 then out:extend(c.suffix) end
    end
    if not any then
      if citeproc then return nil end -- a work in the bibliography: citeproc formats it
      return cite.content
    end
    return out
  end,
}

-- HTML headings never skip a level (h2 then h4 reads to a screen reader as a missing section): a
-- heading deeper than one below its parent is raised to that level, keeps the look of its own
-- (class sp-minor) and, when unnumbered, stays out of the page's section list (unlisted). The PDF
-- keeps the levels as written (its contents stop at three).
local heading_stack = {} -- { orig = level as written, new = level in the page }
local pass_heading_order = {
  traverse = "topdown",
  Header = function(h)
    if is_typst then return nil end
    while #heading_stack > 0 and heading_stack[#heading_stack].orig >= h.level do
      table.remove(heading_stack)
    end
    local parent = heading_stack[#heading_stack]
    local level = math.min(h.level, (parent and parent.new or 0) + 1)
    table.insert(heading_stack, { orig = h.level, new = level })
    if level == h.level then return nil end
    h.level = level
    h.classes:insert("sp-minor")
    if has_class(h, "unnumbered") then h.classes:insert("unlisted") end
    return h
  end,
}

return { pass_heading_order, pass_plain_floats, pass_outputs, pass_floats, pass_refs }
