import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { ApiError } from '../http/api-error';
import { parseOr400 } from '../http/validate';
import { CurrentUser, Public } from './auth.guard';
import { SessionService } from './session.service';
import { AuthUser, SESSION_COOKIE } from './user.types';
import { UsersService } from './users.service';

const loginSchema = z.object({
  username: z.string({ message: 'username is required' }).min(1).max(64),
  password: z.string({ message: 'password is required' }).min(1).max(1024),
});

@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { username, password } = parseOr400(loginSchema, body);
    const user = await this.users.verify(username, password);
    if (!user) throw new ApiError(401, 'bad_credentials', 'That username and password do not match.');
    const token = await this.sessions.create(user);
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure,
      path: '/',
      maxAge: this.sessions.ttlSeconds * 1000,
    });
    return { user, token };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentUser() user: AuthUser, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.sessions.revoke(user.sessionDigest);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
  }

  @Get('me')
  me(@CurrentUser() user: AuthUser) {
    return { user: { id: user.id, username: user.username, role: user.role } };
  }
}
