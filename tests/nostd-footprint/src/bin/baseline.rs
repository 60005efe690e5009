//! The empty baseline of the footprint measurement: the same `#![no_std] #![no_main]`
//! skeleton as `footprint.rs` (panic handler, libc `write`), without clasp.
#![no_std]
#![no_main]

#[link(name = "c")]
unsafe extern "C" {
    fn write(fd: i32, buf: *const u8, count: usize) -> isize;
    fn abort() -> !;
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { abort() }
}

#[unsafe(no_mangle)]
pub extern "C" fn main(argc: i32, _argv: *const *const u8) -> i32 {
    let msg: &[u8] = if core::hint::black_box(argc) > 0 { b"baseline ok\n" } else { b"baseline FAILED\n" };
    unsafe { write(1, msg.as_ptr(), msg.len()) };
    0
}
