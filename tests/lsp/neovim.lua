-- Drives Neovim's built-in LSP client against `dockmount lsp`, headless, for
-- tests/lsp_neovim.rs: opens a file, waits for the diagnostics Neovim shows, asks for a
-- hover, applies a quick fix, and writes what it saw as JSON.
--
-- Environment: DOCKMOUNT_BIN (the binary), DOCKMOUNT_FILE (the file to open),
-- DOCKMOUNT_OUT (where the JSON goes).

local bin = os.getenv('DOCKMOUNT_BIN')
local file = os.getenv('DOCKMOUNT_FILE')
local out_path = os.getenv('DOCKMOUNT_OUT')
local result = { errors = {} }

local function finish()
  local out = io.open(out_path, 'w')
  out:write(vim.fn.json_encode(result))
  out:close()
  vim.cmd('qa!')
end

local function fail(message)
  table.insert(result.errors, message)
  finish()
end

vim.cmd('edit ' .. vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
result.filetype = vim.bo[bufnr].filetype

local config = {
  name = 'dockmount',
  cmd = { bin, 'lsp' },
  root_dir = vim.fn.fnamemodify(file, ':h'),
}
local client_id
-- `vim.lsp.start` (Neovim 0.8 and later) finds or starts the client and attaches it;
-- older releases (Debian 12 ships 0.7) do the same in two steps.
if vim.lsp.start then
  result.api = 'vim.lsp.start'
  client_id = vim.lsp.start(config)
else
  result.api = 'vim.lsp.start_client'
  client_id = vim.lsp.start_client(config)
  vim.lsp.buf_attach_client(bufnr, client_id)
end
if not client_id then
  return fail('the client did not start')
end

local function diagnostics()
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(list, {
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = d.severity,
      message = d.message,
      source = d.source,
      code = d.code or lsp.code,
    })
  end
  table.sort(list, function(a, b) return a.lnum < b.lnum end)
  return list
end

if not vim.wait(20000, function() return #vim.diagnostic.get(bufnr) >= 2 end, 20) then
  return fail('no diagnostics shown')
end
result.diagnostics = diagnostics()

local uri = vim.uri_from_bufnr(bufnr)
local hover = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover',
  { textDocument = { uri = uri }, position = { line = 4, character = 12 } }, 20000)
local answer = hover and hover[client_id]
if not answer or not answer.result then
  return fail('no hover: ' .. vim.inspect(hover))
end
result.hover = answer.result.contents.value

-- The quick fix of the comma in `/data,ro`, after the non-ASCII source path.
local actions = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', {
  textDocument = { uri = uri },
  range = { start = { line = 5, character = 19 }, ['end'] = { line = 5, character = 19 } },
  context = { diagnostics = {} },
}, 20000)
local list = actions and actions[client_id] and actions[client_id].result or {}
result.actions = {}
local chosen
for _, action in ipairs(list) do
  table.insert(result.actions, action.title)
  if action.kind == 'quickfix' and action.isPreferred then
    chosen = chosen or action
  end
end
if not chosen then
  return fail('no preferred quick fix')
end
local client = vim.lsp.get_client_by_id(client_id)
vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding or 'utf-16')
result.fixed_line = vim.api.nvim_buf_get_lines(bufnr, 5, 6, false)[1]

-- The edit reaches the server as a change; the fixed problem goes away.
if not vim.wait(20000, function() return #vim.diagnostic.get(bufnr) == 1 end, 20) then
  result.after = diagnostics()
  return fail('the diagnostics did not follow the fix')
end
result.after = diagnostics()

vim.lsp.stop_client(client_id)
vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 20)
finish()
