// The command's allocator (mimalloc): linting a tree allocates many small strings and
// trees, and with the system allocator a third of the time went to malloc and free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(dockmount::cli::main());
}
