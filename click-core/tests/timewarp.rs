//! The `timewarp` clock (click-core's `clock`): process-wide, so tested in a process of its own.

use std::time::{Duration, Instant};

use click_core::clock::{jump_to, now, read, real_delay, write};

#[test]
fn warp_speeds_the_clock_continuously() {
    assert_eq!(read(), "1");
    assert_eq!(write("0"), Err("timefactor must be > 0".into()));
    assert_eq!(write("x"), Err("expected double".into()));
    let (r0, w0) = (Instant::now(), now());
    write("50").unwrap();
    assert_eq!(read(), "50");
    std::thread::sleep(Duration::from_millis(20));
    let (r1, w1) = (Instant::now(), now());
    let real = r1 - r0;
    let warped = w1 - w0;
    assert!(warped >= Duration::from_millis(900) && warped <= real * 51, "{warped:?} in {real:?}");
    assert_eq!(real_delay(Duration::from_secs(1)), Duration::from_millis(20));
    write("2.5").unwrap();
    assert_eq!(read(), "2.5");
    // Slowing down never goes back in time.
    let before = now();
    write("0.1").unwrap();
    assert!(now() >= before);
    write("nowait").unwrap();
    assert_eq!(read(), "nowait");
    let target = now() + Duration::from_secs(3600);
    jump_to(target);
    assert!(now() >= target);
    write("1").unwrap();
    assert_eq!(read(), "1");
}
